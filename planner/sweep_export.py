"""A finished sweep's stored grid as CSV or Parquet, produced a block of points at a time.

The stored archive (`planner.sweep_services._result_archive`) keeps costs without
repeating what does not vary: API costs per (volume, share), self-host costs and replicas
per (volume, utilization), the cheapest option per point. A download has one row per
point, up to (offers + configs) times bigger than the archive, so it is never built
whole: the archive's arrays are read front to back out of their zip members, a block of
a few thousand points at a time, expanded to rows and encoded. Memory stays at a few
blocks whatever the grid's shape (a volume's self-host slice too large for memory is
spooled to a temporary file, since every share reads it again).

CSV numbers are printed with NumPy over whole blocks (a row-by-row ``csv.writer`` took
~60 s for a million rows), byte for byte what the row-by-row writer printed: ``repr()`` for
the axes, ``"%.2f"`` for money, ``str()`` for replicas. A block holding a value that fast
path cannot print exactly (NaN, an infinity, a negative amount, more than 2^50 cents, a
half cent that float rounding could tip either way) is written row by row with Python's
own formatting instead.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from accounts.csvsafe import safe_cell

CSV_BLOCK_POINTS = 4096
PARQUET_BLOCK_POINTS = 16384  # one Parquet row group per block
SPOOL_MEMORY_BYTES = 8 * 1024 * 1024  # a volume's self-host slice beyond this goes to disk
_COPY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class GridLayout:
    """The small arrays of an archive: axes, option names, how many are API offers."""

    volumes: np.ndarray
    input_shares: np.ndarray
    utilizations: np.ndarray
    option_names: tuple[str, ...]
    n_api: int

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.volumes.size, self.input_shares.size, self.utilizations.size)

    @property
    def n_configs(self) -> int:
        return len(self.option_names) - self.n_api

    def columns(self) -> list[str]:
        names = self.option_names
        return [
            "volume_tokens_per_month",
            "input_share",
            "utilization",
            *(f"api_monthly:{n}" for n in names[: self.n_api]),
            *(f"selfhost_monthly:{n}" for n in names[self.n_api :]),
            *(f"replicas:{n}" for n in names[self.n_api :]),
            "cheapest",
        ]


@dataclass(frozen=True)
class _Block:
    """Consecutive grid points: axis indices, costs per option and the cheapest option."""

    volume_index: np.ndarray
    share_index: np.ndarray
    utilization_index: np.ndarray
    api: np.ndarray  # (n, offers)
    selfhost: np.ndarray  # (n, configs)
    replicas: np.ndarray  # (n, configs)
    cheapest: np.ndarray  # (n,)

    @property
    def size(self) -> int:
        return int(self.cheapest.size)


class _NpyStream:
    """One array of an ``.npz`` archive, read front to back (C order) a few items at a time."""

    def __init__(self, archive: zipfile.ZipFile, name: str) -> None:
        self._file = archive.open(f"{name}.npy")
        version = np.lib.format.read_magic(self._file)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(self._file)
        elif version == (2, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(self._file)
        else:
            raise ValueError(f"{name}: unsupported .npy version {version}")
        if fortran_order and len(shape) > 1:
            raise ValueError(f"{name}: expected a C-ordered array")
        self.shape: tuple[int, ...] = shape
        self.dtype: np.dtype = dtype

    def read(self, count: int) -> np.ndarray:
        nbytes = count * self.dtype.itemsize
        data = self._file.read(nbytes)
        if len(data) != nbytes:
            raise ValueError("the stored sweep result is truncated")
        return np.frombuffer(data, dtype=self.dtype)

    def copy_to(self, target: IO[bytes], count: int) -> None:
        left = count * self.dtype.itemsize
        while left:
            data = self._file.read(min(left, _COPY_BYTES))
            if not data:
                raise ValueError("the stored sweep result is truncated")
            target.write(data)
            left -= len(data)

    def close(self) -> None:
        self._file.close()


class _SpooledRows:
    """``rows x columns`` items of a stream kept for random access: in memory while small,
    in a temporary file beyond `SPOOL_MEMORY_BYTES`."""

    def __init__(self, stream: _NpyStream, rows: int, columns: int) -> None:
        self._dtype = stream.dtype
        self._row_bytes = columns * stream.dtype.itemsize
        self._columns = columns
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        stream.copy_to(self._file, rows * columns)

    def rows(self, start: int, count: int) -> np.ndarray:
        self._file.seek(start * self._row_bytes)
        data = self._file.read(count * self._row_bytes)
        return np.frombuffer(data, dtype=self._dtype).reshape(count, self._columns)

    def close(self) -> None:
        self._file.close()


def open_archive(file: IO[bytes]) -> tuple[zipfile.ZipFile, GridLayout]:
    """The zip of a stored result (a seekable file) and its layout (small arrays only)."""
    archive = zipfile.ZipFile(file)

    def small(name: str) -> np.ndarray:
        with archive.open(f"{name}.npy") as member:
            return np.lib.format.read_array(member, allow_pickle=False)

    layout = GridLayout(
        volumes=small("volumes"),
        input_shares=small("input_shares"),
        utilizations=small("utilizations"),
        option_names=tuple(str(n) for n in small("option_names")),
        n_api=int(small("n_api")),
    )
    return archive, layout


def iter_blocks(
    archive: zipfile.ZipFile, layout: GridLayout, *, block_points: int
) -> Iterator[_Block]:
    """Every grid point in grid order (volume, share, utilization; utilization fastest), in
    blocks of at most `block_points`, reading each stored array once front to back."""
    n_v, n_s, n_u = layout.shape
    n_o, n_c = layout.n_api, layout.n_configs
    per_volume = n_s * n_u
    streams = {
        name: _NpyStream(archive, name)
        for name in ("cheapest", "api_monthly", "selfhost_monthly", "replicas")
    }
    cheapest, api = streams["cheapest"], streams["api_monthly"]
    selfhost, replicas = streams["selfhost_monthly"], streams["replicas"]
    try:
        if per_volume <= block_points:
            # Whole volumes per block: every array advances by whole volumes.
            step = block_points // per_volume
            for v0 in range(0, n_v, step):
                nv = min(step, n_v - v0)
                local_v, rest = np.divmod(np.arange(nv * per_volume), per_volume)
                local_s, local_u = np.divmod(rest, n_u)
                yield _Block(
                    volume_index=v0 + local_v,
                    share_index=local_s,
                    utilization_index=local_u,
                    api=api.read(nv * n_s * n_o).reshape(-1, n_o)[local_v * n_s + local_s],
                    selfhost=selfhost.read(nv * n_u * n_c).reshape(-1, n_c)[
                        local_v * n_u + local_u
                    ],
                    replicas=replicas.read(nv * n_u * n_c).reshape(-1, n_c)[
                        local_v * n_u + local_u
                    ],
                    cheapest=cheapest.read(nv * per_volume),
                )
        elif n_u <= block_points:
            # Whole shares per block; a volume's (small) self-host slice serves every share.
            step = block_points // n_u
            for v in range(n_v):
                volume_selfhost = selfhost.read(n_u * n_c).reshape(n_u, n_c)
                volume_replicas = replicas.read(n_u * n_c).reshape(n_u, n_c)
                for s0 in range(0, n_s, step):
                    ns = min(step, n_s - s0)
                    local_s, local_u = np.divmod(np.arange(ns * n_u), n_u)
                    yield _Block(
                        volume_index=np.full(local_s.size, v),
                        share_index=s0 + local_s,
                        utilization_index=local_u,
                        api=api.read(ns * n_o).reshape(ns, n_o)[local_s],
                        selfhost=volume_selfhost[local_u],
                        replicas=volume_replicas[local_u],
                        cheapest=cheapest.read(local_s.size),
                    )
        else:
            # Long utilization axis: blocks within one (volume, share); the volume's
            # self-host slice is read again for every share, from a spool.
            for v in range(n_v):
                volume_selfhost = _SpooledRows(selfhost, n_u, n_c)
                volume_replicas = _SpooledRows(replicas, n_u, n_c)
                try:
                    for s in range(n_s):
                        api_row = api.read(n_o)
                        for u0 in range(0, n_u, block_points):
                            n = min(block_points, n_u - u0)
                            yield _Block(
                                volume_index=np.full(n, v),
                                share_index=np.full(n, s),
                                utilization_index=np.arange(u0, u0 + n),
                                api=np.broadcast_to(api_row, (n, n_o)),
                                selfhost=volume_selfhost.rows(u0, n),
                                replicas=volume_replicas.rows(u0, n),
                                cheapest=cheapest.read(n),
                            )
                finally:
                    volume_selfhost.close()
                    volume_replicas.close()
    finally:
        for stream in streams.values():
            stream.close()


# --- CSV -----------------------------------------------------------------------------------


def _words(texts: list[str]) -> np.ndarray:
    """Four-byte texts as uint32 words (memory order = text order), for table lookups."""
    return np.array([t.encode() for t in texts], dtype="S4").view(np.uint32)


# Four decimal digits at a time: zero-padded inside a number, NUL-padded (blank) at its
# start; the lowest group of an amount in cents prints "d.cc".
_GROUP_FULL = _words([f"{i:04d}" for i in range(10_000)])
_GROUP_LEADING = _words([f"{i:4d}".replace(" ", "\0") if i else "\0" * 4 for i in range(10_000)])
_GROUP_ONLY = _words([f"{i:4d}".replace(" ", "\0") for i in range(10_000)])
_GROUP_CENTS = _words([f"{i // 100}.{i % 100:02d}" for i in range(1_000)])
_CENTS_LIMIT = 2.0**50
# A float64 product is within half a unit in its last place, at most 2^-53 of it, of the
# exact product: a margin of 2^-51 of the value leaves no doubt about the rounding.
_ROUNDING_MARGIN = 4.5e-16


def _csv_field(text: str) -> str:
    """`text` as one CSV field (quoted when it must be), as ``csv.writer`` writes it."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([text, ""])
    return buffer.getvalue()[:-3]  # without the empty second field's "," and "\r\n"


def csv_header(layout: GridLayout) -> bytes:
    return (",".join(_csv_field(safe_cell(c)) for c in layout.columns()) + "\r\n").encode()


def _text_matrix(texts: list[bytes]) -> np.ndarray:
    """(len(texts), widest) uint8, each text left-aligned and NUL-padded."""
    array = np.array(texts, dtype=bytes)
    return array.view(np.uint8).reshape(len(texts), array.dtype.itemsize)


class _AxisCells:
    """``repr(value) + ","`` for the values of one axis, as NUL-padded byte rows: a table
    made once for an axis of up to `AXIS_TABLE_MAX` values, else per block."""

    AXIS_TABLE_MAX = 65_536

    def __init__(self, values: np.ndarray) -> None:
        self._values = values
        self._table = self._cells(values) if values.size <= self.AXIS_TABLE_MAX else None

    @staticmethod
    def _cells(values: np.ndarray) -> np.ndarray:
        return _text_matrix([f"{x!r},".encode() for x in values.tolist()])

    def take(self, index: np.ndarray) -> np.ndarray:
        if self._table is not None:
            return self._table[index]
        distinct, inverse = np.unique(index, return_inverse=True)
        return self._cells(self._values[distinct])[inverse]


def _exact_cents(values: np.ndarray) -> np.ndarray | None:
    """Amounts in whole cents, rounded as ``"%.2f"`` rounds; None if one of them could
    round otherwise (or is not a non-negative finite amount below 2^50 cents)."""
    if np.signbit(values).any():  # negative amounts and -0.0 print a sign
        return None
    with np.errstate(all="ignore"):
        scaled = values * 100.0
        rounded = np.rint(scaled)
        # Distance from the nearest half cent: the product's own error must not reach it.
        margin = np.abs(np.abs(scaled - rounded) - 0.5)
        ok = (scaled < _CENTS_LIMIT) & (margin > scaled * _ROUNDING_MARGIN)  # False for NaN
    if not ok.all():
        return None
    return rounded.astype(np.uint64)


def _decimal_cells(numbers: np.ndarray, *, cents: bool) -> np.ndarray:
    """Non-negative integers printed in base 10 (as amounts with two decimals when
    `cents`), each followed by a comma: uint8 of shape ``numbers.shape + (width,)``,
    right-aligned and NUL-padded."""
    top = int(numbers.max()) if numbers.size else 0
    rest = numbers.astype(np.uint32 if top < 2**32 else np.uint64)
    words = []  # least significant first
    if cents:
        above = rest // 1000
        words.append(_GROUP_CENTS.take(rest - above * 1000))
        rest, top = above, top // 1000
    lowest = not cents
    while lowest or top:
        above = rest // 10_000
        group = rest - above * 10_000
        top //= 10_000
        first = _GROUP_ONLY if lowest else _GROUP_LEADING  # the number's first group
        if top:  # some numbers have more groups above this one
            words.append(np.where(above == 0, first.take(group), _GROUP_FULL.take(group)))
        else:
            words.append(first.take(group))
        rest, lowest = above, False
    digits = np.stack(words[::-1], axis=-1).view(np.uint8)
    comma = np.full((*numbers.shape, 1), ord(","), dtype=np.uint8)
    return np.concatenate([digits, comma], axis=-1)


def _csv_block_fast(
    block: _Block, axes: tuple[_AxisCells, _AxisCells, _AxisCells], labels: np.ndarray
) -> bytes | None:
    money = _exact_cents(np.hstack([block.api, block.selfhost]))
    replicas = block.replicas
    if money is None or (replicas.size and (replicas.min() < 0 or replicas.max() >= 10**18)):
        return None
    n = block.size
    matrix = np.concatenate(
        [
            axes[0].take(block.volume_index),
            axes[1].take(block.share_index),
            axes[2].take(block.utilization_index),
            _decimal_cells(money, cents=True).reshape(n, -1),
            _decimal_cells(replicas.astype(np.uint64), cents=False).reshape(n, -1),
            labels[block.cheapest],
        ],
        axis=1,
    )
    flat = matrix.reshape(-1)
    return np.compress(flat != 0, flat).tobytes()


def _csv_block_slow(block: _Block, layout: GridLayout, names: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    money = np.hstack([block.api, block.selfhost])
    for i in range(block.size):
        writer.writerow(
            [
                repr(float(layout.volumes[block.volume_index[i]])),
                repr(float(layout.input_shares[block.share_index[i]])),
                repr(float(layout.utilizations[block.utilization_index[i]])),
                *(f"{x:.2f}" for x in money[i].tolist()),
                *(str(int(x)) for x in block.replicas[i].tolist()),
                names[block.cheapest[i]],
            ]
        )
    return buffer.getvalue().encode()


def csv_stream(
    archive: zipfile.ZipFile, layout: GridLayout, *, block_points: int | None = None
) -> Iterator[bytes]:
    """The grid as CSV (UTF-8): a header, then one row per point, money to the cent."""
    block_points = block_points or CSV_BLOCK_POINTS
    yield csv_header(layout)
    names = [safe_cell(n) for n in layout.option_names]
    cells = [f"{_csv_field(n)}\r\n".encode() for n in names]
    labels = None if any(b"\0" in c for c in cells) else _text_matrix(cells)
    axes = (
        _AxisCells(layout.volumes),
        _AxisCells(layout.input_shares),
        _AxisCells(layout.utilizations),
    )
    for block in iter_blocks(archive, layout, block_points=block_points):
        fast = None if labels is None else _csv_block_fast(block, axes, labels)
        yield fast if fast is not None else _csv_block_slow(block, layout, names)


# --- Parquet -------------------------------------------------------------------------------


class _Collector:
    """A write-only file for pyarrow: keeps what was written until it is taken."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0
        self.closed = False

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def parquet_schema(layout: GridLayout) -> Any:
    import pyarrow as pa

    columns = layout.columns()
    n_o, n_c = layout.n_api, layout.n_configs
    types = [pa.float64()] * (3 + n_o + n_c) + [pa.int64()] * n_c
    return pa.schema(
        [
            *(pa.field(name, kind) for name, kind in zip(columns[:-1], types, strict=True)),
            pa.field("cheapest", pa.dictionary(pa.int32(), pa.string())),
        ]
    )


def parquet_stream(
    archive: zipfile.ZipFile, layout: GridLayout, *, block_points: int | None = None
) -> Iterator[bytes]:
    """The grid as one Parquet file (zstd), one row group per block, one row per point."""
    block_points = block_points or PARQUET_BLOCK_POINTS
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(layout)
    dictionary = pa.array(list(layout.option_names), type=pa.string())
    sink = _Collector()
    writer = pq.ParquetWriter(sink, schema, compression="zstd")
    try:
        for block in iter_blocks(archive, layout, block_points=block_points):
            arrays = [
                pa.array(layout.volumes[block.volume_index]),
                pa.array(layout.input_shares[block.share_index]),
                pa.array(layout.utilizations[block.utilization_index]),
                *(pa.array(np.ascontiguousarray(block.api[:, o])) for o in range(layout.n_api)),
                *(
                    pa.array(np.ascontiguousarray(block.selfhost[:, c]))
                    for c in range(layout.n_configs)
                ),
                *(
                    pa.array(np.ascontiguousarray(block.replicas[:, c]), type=pa.int64())
                    for c in range(layout.n_configs)
                ),
                pa.DictionaryArray.from_arrays(
                    pa.array(block.cheapest.astype(np.int32)), dictionary
                ),
            ]
            writer.write_batch(pa.record_batch(arrays, schema=schema))
            data = sink.take()
            if data:
                yield data
    finally:
        writer.close()
    yield sink.take()
