"""Evaluate many variants of one prepared scenario at once: rate sweeps, uncertainty draws, rankings.

A variant is a vector of layer rates (L,) and a vector of exemption shares (E,); B variants are
evaluated together with array arithmetic over (B, keys, layers), in chunks that bound memory.
The totals match `engine.totals_at` for the same rates and shares (tests check it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date

import numpy as np

from simulator.engine.evaluate import estimated_total, layer_sums, summarize, waived_share
from simulator.engine.parallel import ordered_map
from simulator.engine.prepare import Prepared
from simulator.engine.respond import responded_sums

CHUNK_CELLS = 4_000_000  # floats per intermediate array in a chunk (~32 MB)
Progress = Callable[[int, int], None]  # (steps just done, steps in all)


def batch_totals(
    prepared: Prepared,
    rates: np.ndarray,
    shares: np.ndarray,
    *,
    when: date | None = None,
    progress: Progress | None = None,
    merge: bool = True,
) -> dict[str, np.ndarray]:
    """Totals for B variants: `rates` (B, L) or (L,), `shares` (B, E) or (E,); each result is (B,).

    `merge=False` when the caller already passed `alike_merged(prepared, when)` (rank, in slices).
    """
    if merge and not prepared.responds:
        prepared = alike_merged(prepared, when)
    n_keys, n_layers = (prepared.rule_classes[0] if prepared.responds else prepared).cover.shape
    b = max(rates.shape[0] if rates.ndim == 2 else 1, shares.shape[0] if shares.ndim == 2 else 1)
    rates = np.broadcast_to(rates, (b, n_layers))
    shares = np.broadcast_to(shares, (b, prepared.match.shape[1]))
    width = max(n_keys * max(n_layers, 1), len(prepared.row_key) if prepared.responds else 0, 1)
    step = max(1, CHUNK_CELLS // width)
    prepared.shared_first()  # the chunks may run side by side
    spans = [slice(start, min(b, start + step)) for start in range(0, b, step)]
    chunks = ordered_map(lambda span: _chunk(prepared, rates[span], shares[span], when), spans, width * step)
    parts = []
    for span, part in zip(spans, chunks, strict=True):
        parts.append(part)
        if progress is not None:
            progress(span.stop - span.start, b)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def alike_merged(prepared: Prepared, when: date | None) -> Prepared:
    """The preparation with keys that behave alike at `when` merged into one, their values summed.

    Without a trade response a key's totals are its value and base duty times what its rates and
    exemptions make of them, and those depend only on its layers' rate factors (a table's rate or a
    flat layer's cover), whether a table lists it, and which exemptions match it. The 14,305 US lines
    fall into a few hundred such classes, so B variants cost B x classes, not B x lines.
    """
    lines = prepared.lines(when)
    parts = [*lines.behaviour(), prepared.match]
    if prepared.match_scale is not None:
        parts.append(prepared.match_scale.values)
    if prepared.tops_up:
        parts.append(np.where(prepared.base_matters, prepared.key_base, -1.0)[:, None])
    behaviour = np.hstack([_row_bytes(p) for p in parts])  # flags packed 8 to a byte: 20,000 exemptions stay small
    rows = np.ascontiguousarray(behaviour).view(np.dtype((np.void, max(behaviour.shape[1], 1))))[:, 0]
    _, first, cls = np.unique(rows, return_index=True, return_inverse=True)
    if len(first) == len(rows):
        return prepared
    cls = cls.ravel()
    return replace(
        prepared,
        key_hs=prepared.key_hs[first],
        key_category=prepared.key_category[first],
        key_partner=prepared.key_partner[first],
        match_scale=prepared.match_scale.taken(first) if prepared.match_scale is not None else None,
        value=np.bincount(cls, weights=prepared.value, minlength=len(first)),
        base_duty=np.bincount(cls, weights=prepared.base_duty, minlength=len(first)),
        estimated=np.bincount(cls, weights=prepared.estimated, minlength=len(first))
        if prepared.estimated is not None
        else None,
        estimate_groups=prepared.estimate_groups.remap(cls) if prepared.estimate_groups is not None else None,
        cover=prepared.cover[first],
        match=prepared.match[first],
        tables={j: replace(t, pattern=t.pattern[first]) for j, t in prepared.tables.items()},
    )


def _row_bytes(part: np.ndarray) -> np.ndarray:
    """(K, n) bytes per key that are equal exactly when the key's values in `part` are (as floats)."""
    part = part.reshape(len(part), -1)
    if part.dtype == bool:
        return np.packbits(part, axis=1)
    return np.ascontiguousarray(part.astype(float)).view(np.uint8).reshape(len(part), -1)


def _chunk(prepared: Prepared, rates: np.ndarray, shares: np.ndarray, when: date | None) -> dict[str, np.ndarray]:
    # with a response, rates per class of keys with the same rules, gathered to the keys (values respond)
    ruled, cls = prepared.rule_classes if prepared.responds else (prepared, None)
    # a sweep varies rates, not shares: the same shares in every variant are resolved once
    same = len(shares) == 1 or bool((shares == shares[0]).all())
    s = waived_share(ruled, shares[0])[None] if same else waived_share(ruled, shares)  # (B or 1, K, L)
    additional, gross_rate, exempt_share = layer_sums(ruled, rates, s, when)  # (B, K) each
    if not prepared.responds:
        value, base = prepared.value, prepared.base_duty
        b = len(rates)
        return summarize(
            np.full(b, value.sum()),
            np.full(b, base.sum()),
            base.sum() + additional @ value,
            base.sum() + gross_rate @ value,
            exempt_share @ value,
            estimated=np.full(b, estimated_total(prepared)),
        )
    assert cls is not None
    rk = cls[prepared.row_key]  # row -> class
    # np.take keeps rows contiguous; x[:, rk] is laid out column-major, three times slower, and so is all after
    rows = (np.take(x, rk, axis=-1) for x in (additional, gross_rate, exempt_share))
    sums, created = responded_sums(prepared, *rows)
    return summarize(*sums, estimated=np.full(len(rates), estimated_total(prepared)), created=created)
