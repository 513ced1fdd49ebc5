"""A ``.npz`` file whose bytes depend only on its arrays: the shipped weights' writer.

``numpy.savez`` stamps each member with the time of writing, so the same fit
gives a different file every run, and a ``--check`` rebuild could not compare
bytes. Here every member is written with a fixed date and no pickles.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray


def reproducible_npz(arrays: Mapping[str, NDArray[np.generic]]) -> bytes:
    """The arrays as ``.npz`` bytes, byte for byte the same for the same arrays."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, array, allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    return buffer.getvalue()
