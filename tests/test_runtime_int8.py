"""The runtime's int8 arithmetic against torch's own kernels, and its runtime file format.

The runtime (:mod:`anonymizer.model.runtime`) computes torch's dynamic int8 layers in
numpy. These tests hold its pieces to torch bit for bit: the activation ranges'
scale and zero point, and the dynamic linear (quantize, integer products, the fused
output multiply-add), per tensor and per output row, with torch's reduced range and
without. Grouped calls (one range per row group) must equal separate calls: that is
what lets sentences run together yet each alone.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.model.arrays import ArrayFileError, is_array_file, read_arrays, write_arrays
from anonymizer.model.runtime_layers import Linear as _Linear
from anonymizer.model.runtime_layers import activation_qparams

torch = pytest.importorskip("torch")

finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, width=32)
tiny = st.floats(min_value=-(2**-13), max_value=2**-13, allow_nan=False, width=32)  # below the smallest scale


@settings(max_examples=400, deadline=None)
@given(
    values=st.lists(st.one_of(finite, tiny, st.just(0.0)), min_size=1, max_size=6), reduce_range=st.booleans()
)
def test_activation_scale_and_zero_point_are_torchs(values: list[float], reduce_range: bool) -> None:
    tensor = torch.tensor(values, dtype=torch.float32)
    want_scale, want_zero_point = torch._choose_qparams_per_tensor(tensor, reduce_range)
    scale, zero_point = activation_qparams(
        np.array([tensor.min().item()]), np.array([tensor.max().item()]), reduce_range=reduce_range
    )
    assert scale.dtype == np.float32 and scale[0] == np.float32(want_scale)
    assert zero_point[0] == want_zero_point


def quantized_weight(rng: np.random.Generator, rows: int, columns: int, *, per_row: bool) -> Any:
    weight = torch.from_numpy(rng.standard_normal((rows, columns)).astype(np.float32) * 0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if per_row:
            scales = weight.abs().amax(dim=1).double() / 127
            return torch.quantize_per_channel(
                weight, scales, torch.zeros(rows, dtype=torch.long), 0, torch.qint8
            )
        return torch.quantize_per_tensor(weight, float(weight.abs().max()) / 127, 0, torch.qint8)


def spec_of(weight: Any, bias: Any, *, reduce_range: bool) -> dict[str, Any]:
    """The export's layout (:func:`anonymizer.model.export._int8`), built here from torch's weight."""
    per_row = weight.qscheme() == torch.per_channel_affine
    return {
        "int8": weight.int_repr().numpy(),
        "scale": weight.q_per_channel_scales().numpy() if per_row else np.array(weight.q_scale()),
        "zero_point": weight.q_per_channel_zero_points().numpy()
        if per_row
        else np.array(weight.q_zero_point()),
        "axis": 0 if per_row else None,
        "bias": None if bias is None else bias.numpy(),
        "reduce_range": reduce_range,
    }


@pytest.mark.parametrize("per_row", [False, True], ids=["per-tensor", "per-row"])
@pytest.mark.parametrize("reduce_range", [True, False], ids=["reduced", "full-range"])
@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no-bias"])
def test_the_int8_linear_equals_torchs_dynamic_linear_bit_for_bit(
    per_row: bool, reduce_range: bool, with_bias: bool
) -> None:
    rng = np.random.default_rng(7)
    for rows, columns, outputs in [(1, 150, 150), (7, 25, 100), (13, 256, 1024), (3, 9, 5)]:
        weight = quantized_weight(rng, outputs, columns, per_row=per_row)
        bias = torch.from_numpy(rng.standard_normal(outputs).astype(np.float32)) if with_bias else None
        packed = torch.ops.quantized.linear_prepack(weight, bias)
        linear = _Linear(spec_of(weight, bias, reduce_range=reduce_range))
        for spread in (1e-6, 0.01, 1.0, 300.0):
            for shift in (0.0, 5.0 * spread, -5.0 * spread):  # ranges across, above and below zero
                x = (rng.standard_normal((rows, columns)) * spread + shift).astype(np.float32)
                want = torch.ops.quantized.linear_dynamic(
                    torch.from_numpy(x), packed, reduce_range=reduce_range
                )
                assert np.array_equal(linear(x), want.numpy()), (rows, columns, spread, shift)
        zeros = np.zeros((rows, columns), dtype=np.float32)
        want = torch.ops.quantized.linear_dynamic(torch.from_numpy(zeros), packed, reduce_range=reduce_range)
        assert np.array_equal(linear(zeros), want.numpy())


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=5), seed=st.integers(0, 2**16)
)
def test_grouped_rows_are_each_computed_as_their_own_call(sizes: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    weight = quantized_weight(rng, 12, 10, per_row=False)
    linear = _Linear(spec_of(weight, torch.zeros(12), reduce_range=True))
    groups = [(rng.standard_normal((size, 10)) * rng.uniform(0.01, 30)).astype(np.float32) for size in sizes]
    starts = np.cumsum([0, *sizes[:-1]])
    together = linear(np.concatenate(groups), starts)
    assert np.array_equal(together, np.concatenate([linear(group) for group in groups]))


# --- the runtime file -------------------------------------------------------------------


def test_an_array_file_round_trips_with_the_same_bytes_every_time(tmp_path: Path) -> None:
    payload = {
        "format": "x/1",
        "numbers": [1, 2.5, None, True],
        "words": "anna\nlind",
        "scalar": np.array(0.25),
        "nested": {"table": np.arange(6, dtype=np.int8).reshape(2, 3), "list": [np.ones(2, np.float32)]},
    }
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    for path in (first, second):
        with path.open("wb") as handle:
            write_arrays(payload, handle)
    assert first.read_bytes() == second.read_bytes()
    assert is_array_file(first)
    loaded = read_arrays(first)
    assert loaded["numbers"] == [1, 2.5, None, True] and loaded["words"] == "anna\nlind"
    assert loaded["scalar"].shape == () and loaded["scalar"] == 0.25
    assert loaded["nested"]["table"].dtype == np.int8 and loaded["nested"]["table"].tolist() == [
        [0, 1, 2],
        [3, 4, 5],
    ]
    assert loaded["nested"]["list"][0].dtype == np.float32


def test_an_array_file_refuses_objects_and_pickles(tmp_path: Path) -> None:
    with pytest.raises(ArrayFileError, match="cannot store a set"), (tmp_path / "x.npz").open("wb") as handle:
        write_arrays({"bad": {1, 2}}, handle)
    pickled = tmp_path / "pickled.npz"
    np.savez(
        pickled,
        manifest=np.frombuffer(b'{"a": {"$array": "a0"}}', np.uint8),
        a0=np.array([{"x": 1}], dtype=object),
    )
    with pytest.raises(ArrayFileError):
        read_arrays(pickled)  # an object array needs pickle: refused
    torch_file = tmp_path / "torch.pt"
    torch.save({"format": "x"}, torch_file)  # also a zip archive, but not ours
    assert not is_array_file(torch_file)
    (tmp_path / "cut.npz").write_bytes(pickled.read_bytes()[:100])
    with pytest.raises(ArrayFileError):
        read_arrays(tmp_path / "cut.npz")
