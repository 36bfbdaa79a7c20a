"""Lambda layers for the heavy SDKs: ``layers/<name>/requirements.txt`` -> ``<out>/layer-<name>.zip``, without Docker.

The shared runtime layer is chalice's ``ManagedLayer`` (``requirements.txt``, built by ``chalice package``). Each SDK
layer holds only what its SDK adds on top of it: pip resolves the SDK with the shared layer's exact versions as
constraints, installs manylinux wheels for the Lambda runtime (glibc 2.26, like chalice), and every distribution the
shared layer already ships is removed again, so no file is in two layers and the order of layers cannot matter. A
dependency published only as an sdist (``http-ece`` for push) is built locally and accepted only as a pure
``py3-none-any`` wheel. Built zips are cached by the hash of everything that goes into them.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from infra.specs import LAYERS_DIR

SITE_PACKAGES = f"python/lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
PYTHON_VERSION = f"{sys.version_info.major}.{sys.version_info.minor}"
ABI = f"cp{sys.version_info.major}{sys.version_info.minor}"
PLATFORMS = [*(f"manylinux_2_{minor}_x86_64" for minor in range(17, 27)), "manylinux2014_x86_64"]
UNZIPPED_LIMIT = 250 * 1024 * 1024  # Lambda: function code and all its layers, unzipped
_DIST_INFO = re.compile(r"^(?P<name>[^/]+)-(?P<version>[^/-]+)\.dist-info/")


class LayerError(RuntimeError):
    """An SDK layer cannot be built for the Lambda runtime."""


def layer_zip_name(name: str) -> str:
    return f"layer-{name}.zip"


def distributions(zip_path: Path, prefix: str = SITE_PACKAGES + "/") -> dict[str, str]:
    """Normalised distribution name -> version of every ``*.dist-info`` in a layer zip."""
    found: dict[str, str] = {}
    for entry in zipfile.ZipFile(zip_path).namelist():
        match = _DIST_INFO.match(entry.removeprefix(prefix)) if entry.startswith(prefix) else None
        if match:
            found[_normalise(match["name"])] = match["version"]
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def build_sdk_layer(name: str, shared_layer: Path, out: Path, cache: Path, layers_dir: Path = LAYERS_DIR) -> Path:
    """``<out>/layer-<name>.zip``: the SDK of ``layers/<name>`` minus what ``shared_layer`` already holds."""
    requirements = (layers_dir / name / "requirements.txt").read_text()
    shared = distributions(shared_layer)
    constraints = "".join(f"{dist}=={version}\n" for dist, version in sorted(shared.items()))
    key = hashlib.sha256("\0".join([requirements, constraints, ABI, *PLATFORMS]).encode()).hexdigest()[:16]
    cached = cache / f"{name}-{key}.zip"
    if not cached.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=f"layer-{name}-") as scratch:
            work = Path(scratch)
            (work / "requirements.txt").write_text(requirements)
            (work / "constraints.txt").write_text(constraints)
            target = work / "root" / SITE_PACKAGES
            _pip_install(work, target)
            _remove_shared(target, shared)
            staged = work / "layer.zip"
            _zip(work / "root", staged)
            shutil.move(staged, cached)
    destination = out / layer_zip_name(name)
    shutil.copyfile(cached, destination)
    overlap = set(distributions(destination)) & set(shared)
    if overlap:
        raise LayerError(f"layer {name} repeats {sorted(overlap)} from the shared layer")
    return destination


def _pip(*arguments: str) -> str:
    completed = subprocess.run(  # noqa: S603 (our interpreter's pip, our arguments)
        [sys.executable, "-m", "pip", *arguments, "--disable-pip-version-check", "--no-input"],
        capture_output=True, text=True, check=False,
    )
    if completed.returncode != 0:
        raise LayerError(f"pip {arguments[0]} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


def _pip_install(work: Path, target: Path) -> None:
    """Manylinux wheels for the runtime; dependencies that exist only as sdists are built here, if pure Python."""
    wheelhouse = work / "wheelhouse"
    requirement_args = ["-r", str(work / "requirements.txt"), "-c", str(work / "constraints.txt")]
    _pip("wheel", "--quiet", "--wheel-dir", str(wheelhouse), *requirement_args)
    for wheel in wheelhouse.glob("*.whl"):
        if not wheel.name.endswith("-none-any.whl"):
            wheel.unlink()  # built for this machine: the install below fetches the runtime's own wheel instead
    platform_args = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
    _pip("install", "--quiet", "--target", str(target), "--only-binary=:all:", "--implementation", "cp",
         "--python-version", PYTHON_VERSION, "--abi", ABI, *platform_args, "--find-links", str(wheelhouse),
         *requirement_args)
    shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: nothing on Lambda runs them


def _remove_shared(target: Path, shared: dict[str, str]) -> None:
    """Delete every distribution the shared layer ships (by its RECORD), after checking the versions agree."""
    for dist_info in target.glob("*.dist-info"):
        match = _DIST_INFO.match(dist_info.name + "/")
        if match is None or _normalise(match["name"]) not in shared:
            continue
        if shared[_normalise(match["name"])] != match["version"]:
            raise LayerError(f"{dist_info.name} differs from the shared layer's {shared[_normalise(match['name'])]}")
        for line in (dist_info / "RECORD").read_text().splitlines():
            path = target / line.split(",")[0]
            if path.is_file():
                path.unlink()
        shutil.rmtree(dist_info, ignore_errors=True)
    for directory in sorted(target.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()


def _zip(root: Path, destination: Path) -> None:
    """A reproducible zip: sorted entries, fixed timestamps."""
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            info = zipfile.ZipInfo(str(path.relative_to(root)), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def unzipped_size(*zips: Path) -> int:
    return sum(info.file_size for path in zips for info in zipfile.ZipFile(path).infolist())
