"""The layers of the numpy tagger runtime (:mod:`anonymizer.model.runtime`): linear layers and
LSTMs in fp32 or in int8 exactly as torch's dynamic quantization (fbgemm) computes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray[Any, np.dtype[Any]]
# torch's quant_utils: scales below this are raised to it.
_SMALL_F32 = np.float32(6.1e-5)
_SMALL_SCALE = float(_SMALL_F32)
# float32 holds every integer below 2**24 exactly, so integer dot products below it are exact.
_EXACT_F32 = 2**24


class RuntimeFormatError(ValueError):
    """The file is not a tagger runtime file this version can run."""


def activation_qparams(low: Array, high: Array, *, reduce_range: bool) -> tuple[Array, Array]:
    """Scales (float32) and zero points (integer-valued float64) of a dynamic linear's quint8
    input, one per range ``[low, high]``: torch's ``quant_utils::ChooseQuantizationParams``,
    which computes in double from float32 bounds."""
    qmin, qmax = (0, 127) if reduce_range else (0, 255)
    low = np.minimum(low.astype(np.float32), np.float32(0)).astype(np.float64)
    high = np.maximum(high.astype(np.float32), np.float32(0)).astype(np.float64)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        scale = (high - low) / (qmax - qmin)
        scale32 = scale.astype(np.float32)
        scale = np.where((scale32 == 0) | np.isinf(np.float32(1) / scale32), 0.1, scale)
        small = scale < _SMALL_SCALE
        if small.any():  # almost-zero inputs: torch widens the range to the smallest scale
            amplifier = _SMALL_F32 / scale.astype(np.float32)
            low32, high32 = low.astype(np.float32), high.astype(np.float32)
            widened_low = np.where(high == 0, -_SMALL_F32 * (qmax - qmin), low32 * amplifier)
            widened_high = np.where(low == 0, _SMALL_F32 * (qmax - qmin), high32 * amplifier)
            # torch: if min == 0, widen max; else if max == 0, widen min; else scale both.
            low, high = (
                np.where(small & (low != 0), widened_low.astype(np.float64), low),
                np.where(small & ((low == 0) | (high != 0)), widened_high.astype(np.float64), high),
            )
            scale = np.where(small, _SMALL_SCALE, scale)
    from_min, from_max = qmin - low / scale, qmax - high / scale
    error_min, error_max = abs(qmin) - np.abs(low / scale), abs(qmax) - np.abs(high / scale)
    initial = np.where(error_min < error_max, from_min, from_max)
    zero_point = np.clip(np.rint(initial), qmin, qmax) + 0.0  # nearbyint: half to even
    return scale.astype(np.float32), zero_point


class Linear:
    """``y = x W^T + b``, in fp32 or as torch's dynamic int8 linear.

    int8: torch takes the input's range from the whole tensor of a call. ``starts``
    (first rows of consecutive row groups) gives each group its own range, so one call
    computes several calls' results at once, each exactly as if it were alone.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        bias = spec.get("bias")
        self.bias: Array | None = None if bias is None else bias.astype(np.float32)
        self.quantized = spec.get("weight") is None
        self.reduce_range = bool(spec.get("reduce_range", True))
        if not self.quantized:
            self.weight_t = np.ascontiguousarray(spec["weight"].astype(np.float32).T)
            return
        values = spec["int8"].astype(np.int64)
        zero_point = np.asarray(spec["zero_point"], dtype=np.int64)
        if spec["axis"] is not None:
            if int(spec["axis"]) != 0:
                raise RuntimeFormatError("per-channel int8 weights must be quantized per output row")
            zero_point = zero_point[:, None]
        centered = values - zero_point  # [out, in]
        # Inputs are centred quint8 (|q - zp| <= 255): exact in float32 while the sum cannot reach 2**24.
        bound = values.shape[1] * 255 * int(np.abs(centered).max(initial=0))
        self.dtype = np.float32 if bound < _EXACT_F32 else np.float64
        self.weight_t = np.ascontiguousarray(centered.T.astype(self.dtype))
        self.weight_scale = np.asarray(spec["scale"], dtype=np.float64).astype(np.float32)
        self.bias64 = None if self.bias is None else self.bias.astype(np.float64)

    def __call__(self, x: Array, starts: Array | None = None) -> Array:
        if not self.quantized:
            y: Array = x @ self.weight_t
            return y if self.bias is None else y + self.bias
        if starts is None:
            starts = np.zeros(1, dtype=np.int64)
        low = np.minimum.reduceat(x.min(axis=1), starts)
        high = np.maximum.reduceat(x.max(axis=1), starts)
        scale, zero_point = activation_qparams(low, high, reduce_range=self.reduce_range)
        # Per row: its group's 1/scale, zero point and output multiplier (a float32 product).
        sizes = np.diff(np.append(starts, len(x)))
        inverse = np.repeat(np.float32(1) / scale, sizes).astype(np.float64)[:, None]
        zero_point = np.repeat(zero_point, sizes)[:, None]
        multiplier = np.repeat((scale[:, None] * self.weight_scale).astype(np.float64), sizes, axis=0)
        # fbgemm's Quantize: round(fma(x, 1/scale, zero point)) into 0..255. The float32
        # product is exact in float64, so adding there and rounding to float32 is the fma
        # (but at an exact float32 midpoint, where the two roundings can differ).
        shifted = x * inverse
        shifted += zero_point
        centered = shifted.astype(np.float32)
        np.rint(centered, out=centered)
        np.clip(centered, 0, 255, out=centered)
        centered -= zero_point.astype(np.float32)
        products = centered.astype(self.dtype, copy=False) @ self.weight_t
        # fbgemm's ReQuantizeForFloat: fma(products, input scale * weight scale, bias).
        y = products.astype(np.float32, copy=False) * multiplier
        if self.bias64 is not None:
            y += self.bias64
        return y.astype(np.float32)


@dataclass(frozen=True)
class Packing:
    """Sequences for an LSTM, stored sequence after sequence in one array of elements.

    Rows are sorted by group, then longest first. A group is the rows that one call of
    the tagger alone would run together (one sentence's tokens in the character LSTM,
    one sentence in the word LSTM): int8 ranges are taken per group.
    """

    lengths: Array  # [rows]
    offsets: Array  # [rows]: first element of each row
    element_starts: Array  # first element of each group
    active: list[Array]  # per step: the rows still running
    active_starts: list[Array]  # per step: where each group begins among them

    @classmethod
    def build(cls, lengths: Array, groups: Array) -> Packing:
        """``lengths`` and ``groups`` per row, in the row order above."""
        offsets = np.cumsum(lengths) - lengths
        first = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        active, active_starts = [], []
        for step in range(int(lengths.max(initial=0))):
            running = np.flatnonzero(lengths > step)
            running_groups = groups[running]
            active.append(running)
            active_starts.append(np.flatnonzero(np.r_[True, running_groups[1:] != running_groups[:-1]]))
        return cls(lengths, offsets, offsets[first], active, active_starts)


class LSTM:
    """A (bi)LSTM over packed sequences, fp32 or torch's dynamic int8 LSTM.

    As torch's packed LSTM: each direction first projects the input of every step at
    once (an int8 input projection takes its range from the group's whole input), then
    runs the hidden projection step by step over the rows still running (its range:
    those rows of the group). Going backwards, a row joins at its last element with
    zero states.
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        self.hidden_size = int(spec["hidden_size"])
        self.num_layers = int(spec["num_layers"])
        self.bidirectional = bool(spec["bidirectional"])
        self.quantized = bool(spec["quantized"])
        cells: list[dict[str, Any]] = spec["cells"]  # layer-major, then direction
        if len(cells) != self.num_layers * (2 if self.bidirectional else 1):
            raise RuntimeFormatError("LSTM cell count does not match its layers and directions")
        reduce_range = bool(spec.get("reduce_range", True))
        self.cells: list[tuple[Linear, Linear]] = []
        for cell in cells:
            pair = []
            for weights, bias in ((cell["w_ih"], cell["b_ih"]), (cell["w_hh"], cell["b_hh"])):
                if self.quantized != ("int8" in weights):
                    raise RuntimeFormatError("an LSTM's cells must all be int8 or all fp32")
                pair.append(Linear({**weights, "bias": bias, "reduce_range": reduce_range}))
            self.cells.append((pair[0], pair[1]))

    def run(self, elements: Array, packing: Packing) -> tuple[Array, Array]:
        """Outputs per element ``[elements, directions * hidden]`` and final hidden states
        ``[layers * directions, rows, hidden]``."""
        directions = 2 if self.bidirectional else 1
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                output, final = self._direction(
                    self.cells[layer * directions + direction], elements, packing, reverse=direction == 1
                )
                outputs.append(output)
                finals.append(final)
            elements = np.concatenate(outputs, axis=1) if directions == 2 else outputs[0]
        return elements, np.stack(finals)

    def _direction(
        self, cell: tuple[Linear, Linear], elements: Array, packing: Packing, *, reverse: bool
    ) -> tuple[Array, Array]:
        input_projection, hidden_projection = cell
        size = self.hidden_size
        projected = input_projection(elements, packing.element_starts)
        hidden = np.zeros((len(packing.lengths), size), dtype=np.float32)
        state = np.zeros_like(hidden)
        output = np.empty((len(elements), size), dtype=np.float32)
        steps = range(len(packing.active))
        for step in reversed(steps) if reverse else steps:
            rows = packing.active[step]
            where = packing.offsets[rows] + step
            gates = hidden_projection(hidden[rows], packing.active_starts[step]) + projected[where]
            sigmoid = np.float32(1) / (np.float32(1) + np.exp(-gates))
            tanh = np.tanh(gates)
            new_state = (
                sigmoid[:, size : 2 * size] * state[rows] + sigmoid[:, :size] * tanh[:, 2 * size : 3 * size]
            )
            new_hidden = sigmoid[:, 3 * size :] * np.tanh(new_state)
            state[rows] = new_state
            hidden[rows] = new_hidden
            output[where] = new_hidden
        return output, hidden
