# sharemeter: `make run` serves the API and the web app on embedded defaults; `make test` runs lint, types and every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
WEB_PORT ?= 5173

CHECKOV_STAMP := $(VENV)/checkov/.installed

.PHONY: run test lint types unit integration bench package deploy clean checkov web-install web-check web-build

$(STAMP): requirements.txt requirements-dev.txt $(wildcard layers/*/requirements.txt)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip<26.3"  # chalice 1.34 needs pip < 26.3 to build the layer
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m tools.run --port $(PORT) --web-port $(WEB_PORT)

# The web app (web/): packages exactly as locked, then ESLint, TypeScript strict, Vitest, and the production build
# that the browser tests (tests/e2e, marked browser) and `make run` serve.
WEB_STAMP := web/node_modules/.installed
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_STAMP)

web-install: $(WEB_STAMP)

web-check: $(WEB_STAMP)
	cd web && npm run --silent lint && npm test --silent

web-build: $(WEB_STAMP)
	cd web && npm run --silent build

lint: $(STAMP)
	$(BIN)/ruff check .

types: $(STAMP)
	$(BIN)/mypy

# checkov pins boto3 older than ours: it gets a venv of its own inside .venv (requirements-checkov.txt)
$(CHECKOV_STAMP): requirements-checkov.txt
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/pip install --quiet -r requirements-checkov.txt
	touch $(CHECKOV_STAMP)

checkov: $(CHECKOV_STAMP)

test: lint types $(CHECKOV_STAMP) web-check web-build
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m bench

# AWS: build the SAM template + zips (no Docker) and validate them (cfn-lint, offline SAM transform). See docs/deploy.md.
STAGE ?= prod
REGION ?= eu-west-1
PACKAGE_DIR := infra/build/out
package: $(STAMP) $(CHECKOV_STAMP)
	AWS_DEFAULT_REGION=$(REGION) $(BIN)/python -m infra.package --stage $(STAGE) --out $(PACKAGE_DIR) --region $(REGION)

# Needs AWS credentials, an artifacts bucket (ARTIFACTS_BUCKET) and the parameters in docs/deploy.md (PARAMS="K=V ...").
deploy: package
	@test -n "$(ARTIFACTS_BUCKET)" || { echo "set ARTIFACTS_BUCKET (S3 bucket for the zips)"; exit 2; }
	aws cloudformation package --region $(REGION) --template-file $(PACKAGE_DIR)/sam.json \
		--s3-bucket $(ARTIFACTS_BUCKET) --output-template-file $(PACKAGE_DIR)/packaged.json
	aws cloudformation deploy --region $(REGION) --template-file $(PACKAGE_DIR)/packaged.json \
		--stack-name sharemeter-$(STAGE) --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
		--parameter-overrides Stage=$(STAGE) $(PARAMS)

clean:
	rm -rf $(VENV) .data .mypy_cache .ruff_cache .pytest_cache .hypothesis
