"""Near-duplicate detection: word n-gram shingles, exact Jaccard, and every pair above a threshold.

Two texts are near-duplicates when the Jaccard similarity of their sets of word 5-gram shingles
reaches a threshold (0.2 by default: rewrites of one wire story share far more than that, two
independent reports of one event far less). The split leakage check, the contributor tools and
the no-template corpus check all use this one definition.

:func:`similar_pairs` is exact, not an estimate: candidates come from a prefix-filtered inverted
index (a pair with Jaccard >= t must share a shingle among the rarest ``|A| - ceil(t|A|) + 1`` of
each set, in one global order), and every candidate is verified with the exact overlap.
Shingles are coded by a hash of their words (:func:`shingle_codes`), the same in every process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import numpy as np
from scipy import sparse

SHINGLE_WORDS = 5
NEAR_DUPLICATE_THRESHOLD = 0.2
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The lower-cased word tokens of ``text`` (runs of letters, digits and underscores)."""
    return _WORD.findall(text.lower())


_NON_WORD_ASCII = bytes(c if (chr(c).isascii() and (chr(c).isalnum() or c == ord("_"))) else ord(" ") for c in range(256)).lower()
_BASE = np.uint64(0x9E3779B97F4A7C15)
_INVERSE_BASE = np.uint64(pow(0x9E3779B97F4A7C15, -1, 2**64))
_POWERS = np.ones(1, dtype=np.uint64)
_INVERSE_POWERS = np.ones(1, dtype=np.uint64)


def _power_tables(length: int) -> tuple[np.ndarray, np.ndarray]:
    """``P**k`` and ``P**-k`` (mod 2**64) for ``k`` in ``0..length``, grown on demand and kept."""
    global _POWERS, _INVERSE_POWERS
    if len(_POWERS) <= length:
        size = max(length + 1, 2 * len(_POWERS))
        with np.errstate(over="ignore"):
            _POWERS = np.concatenate([[np.uint64(1)], np.cumprod(np.full(size - 1, _BASE, dtype=np.uint64))])
            _INVERSE_POWERS = np.concatenate([[np.uint64(1)], np.cumprod(np.full(size - 1, _INVERSE_BASE, dtype=np.uint64))])
    return _POWERS, _INVERSE_POWERS


def normalised_words(text: str) -> bytes:
    """The tokens of :func:`words`, UTF-8 encoded and joined by single spaces (fast for ASCII text).

    On ASCII text ``\\w`` is exactly ``[A-Za-z0-9_]``, so a byte translation and a split give the
    same tokens as the regular expression, several times faster.
    """
    if text.isascii():
        return b" ".join(text.encode("ascii").translate(_NON_WORD_ASCII).split())
    return " ".join(words(text)).encode("utf-8")


def shingle_codes(text: str, n: int = SHINGLE_WORDS) -> np.ndarray:
    """Sorted unique 64-bit codes of the word ``n``-gram shingles of ``text`` (one per :func:`shingles` element).

    A shingle's code is a polynomial hash (mod 2**64) of its words joined by single spaces, so it
    depends on the words alone: any process computes the same codes for the same text, and
    documents can be coded in parallel. Distinct shingles of a corpus collide with negligible
    probability (about 10**-5 for 50 million shingles).
    """
    joined = normalised_words(text)
    if not joined:
        return np.empty(0, dtype=np.uint64)
    data = np.frombuffer(joined, dtype=np.uint8).astype(np.uint64)
    powers, inverse = _power_tables(len(data))
    spaces = np.flatnonzero(data == 32)
    starts = np.concatenate([[0], spaces + 1])
    ends = np.concatenate([spaces, [len(data)]])
    width = min(n, len(starts))
    first, last = starts[: len(starts) - width + 1], ends[width - 1 :]
    with np.errstate(over="ignore"):
        prefix = np.concatenate([[np.uint64(0)], np.cumsum(data * inverse[: len(data)], dtype=np.uint64)])
        codes = powers[last] * (prefix[last] - prefix[first])
    return np.unique(codes)


def shingles(text: str, n: int = SHINGLE_WORDS) -> set[tuple[str, ...]]:
    """The set of word ``n``-grams of ``text``; a text shorter than ``n`` words is one shingle."""
    tokens = words(text)
    if not tokens:
        return set()
    if len(tokens) < n:
        return {tuple(tokens)}
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def jaccard(a: set, b: set) -> float:
    """|a ∩ b| / |a ∪ b|; two empty sets are not similar (0.0)."""
    if not a and not b:
        return 0.0
    overlap = len(a & b)
    return overlap / (len(a) + len(b) - overlap)


def text_jaccard(a: str, b: str, n: int = SHINGLE_WORDS) -> float:
    """Jaccard similarity of the word ``n``-gram shingle sets of two texts."""
    return jaccard(shingles(a, n), shingles(b, n))


@dataclass(frozen=True, order=True)
class SimilarPair:
    """Two documents (``a`` < ``b`` by id) whose shingle sets have Jaccard ``similarity``."""

    a: str
    b: str
    similarity: float


def similar_pairs(
    texts: Mapping[str, str] | Iterable[tuple[str, str]],
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
    n: int = SHINGLE_WORDS,
) -> list[SimilarPair]:
    """Every pair of documents whose shingle Jaccard is >= ``threshold``, sorted by ids.

    ``texts`` maps document id to text. Runs in about linear time for corpora without mass
    duplication (the output itself is quadratic when hundreds of texts are copies).
    """
    items = sorted(texts.items() if isinstance(texts, Mapping) else texts)
    return similar_pairs_of_codes([doc for doc, _ in items], [shingle_codes(text, n) for _, text in items], threshold)


def similar_pairs_of_codes(ids: Sequence[str], sets: Sequence[np.ndarray], threshold: float = NEAR_DUPLICATE_THRESHOLD) -> list[SimilarPair]:
    """:func:`similar_pairs` on shingle codes already computed (:func:`shingle_codes`), one array per id.

    Every step works on all documents at once: one sort of every code finds the shingles shared by
    two or more documents (a shingle of one document can never make a pair, and in news text most
    are such), a second sort takes each document's prefix of its rarest shared shingles, documents
    sharing a prefix shingle are the candidates, and a sparse product verifies them exactly.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    count = len(sets)
    sizes = np.fromiter((len(s) for s in sets), dtype=np.int64, count=count)
    if count < 2 or not sizes.any():
        return []
    codes = np.concatenate(sets)
    shared, frequency = _shared_shingles(codes)
    if len(shared) == 0:
        return []
    rank_of_shared = np.empty(len(shared), dtype=np.int64)
    rank_of_shared[np.lexsort((shared, frequency))] = np.arange(len(shared), dtype=np.int64)
    positions, where = _shared_positions(codes, shared)
    shared_documents = np.searchsorted(np.cumsum(sizes), positions, side="right")
    by_document = shared_documents * np.int64(len(shared)) + rank_of_shared[where]
    del codes, positions, where, shared_documents
    by_document.sort()
    shared_documents, shared_ranks = np.divmod(by_document, np.int64(len(shared)))
    del by_document
    per_document = np.bincount(shared_documents, minlength=count)
    first_of = np.concatenate([[0], np.cumsum(per_document)[:-1]])
    # A pair with Jaccard >= t shares one of the first |A| - ceil(t|A|) + 1 shingles of each set in the
    # global order. A document's unshared shingles are the rarest, so they fill the start of its prefix.
    prefix_length = sizes - np.ceil(threshold * sizes - 1e-9).astype(np.int64) + 1
    room = prefix_length - (sizes - per_document)
    position = np.arange(len(shared_documents), dtype=np.int64) - first_of[shared_documents]
    in_prefix = position < room[shared_documents]
    by_rank = np.sort(shared_ranks[in_prefix] * np.int64(count) + shared_documents[in_prefix])
    prefix_rank, prefix_document = np.divmod(by_rank, np.int64(count))
    candidates = _pairs_within_runs(prefix_rank, prefix_document, count)
    if len(candidates) == 0:
        return []
    membership = sparse.csr_matrix(
        (np.ones(len(shared_ranks), dtype=np.int32), shared_ranks, np.concatenate([[0], np.cumsum(per_document)])),
        shape=(count, len(shared)),
    )
    found: list[SimilarPair] = []
    for chunk in np.array_split(candidates, max(1, len(candidates) // 50_000)):
        left, right = np.divmod(chunk, np.int64(count))
        overlap = np.asarray(membership[left].multiply(membership[right]).sum(axis=1)).ravel().astype(np.int64)
        similarity = overlap / (sizes[left] + sizes[right] - overlap)
        keep = np.flatnonzero(similarity >= threshold)
        found += [SimilarPair(ids[i], ids[j], s) for i, j, s in zip(left[keep].tolist(), right[keep].tolist(), similarity[keep].tolist())]
    return sorted(found)


def _shared_shingles(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The codes found in two or more documents (sorted) and their document frequencies.

    ``codes`` concatenates every document's unique codes, so a repeated code is a shared shingle.
    """
    ordered = np.sort(codes)
    shared = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    frequency = np.searchsorted(ordered, shared, side="right") - np.searchsorted(ordered, shared, side="left")
    return shared, frequency.astype(np.int64)


def _shared_positions(codes: np.ndarray, shared: np.ndarray, chunk: int = 1 << 23) -> tuple[np.ndarray, np.ndarray]:
    """Positions in ``codes`` holding a shared code, ascending, and each one's index in ``shared``.

    A table over the codes' low bits lets only shared codes and a few false hits through, in
    chunks; the survivors are few, so they are sorted and matched exactly against ``shared``.
    """
    bits = max(20, min(28, int(np.ceil(np.log2(len(shared) + 1))) + 6))
    mask = np.uint64((1 << bits) - 1)
    table = np.zeros(1 << bits, dtype=bool)
    table[(shared & mask).astype(np.intp)] = True
    positions = np.concatenate([
        start + np.flatnonzero(table[(codes[start : start + chunk] & mask).astype(np.intp)])
        for start in range(0, len(codes), chunk)
    ])
    del table
    candidates = codes[positions]
    order = np.argsort(candidates)
    where = np.searchsorted(shared, candidates[order])
    where[where == len(shared)] = 0
    exact = shared[where] == candidates[order]
    keep = np.sort(order[exact])
    where_of = np.empty(len(candidates), dtype=np.int64)
    where_of[order] = where
    return positions[keep], where_of[keep]


def _pairs_within_runs(run_keys: np.ndarray, members: np.ndarray, count: int) -> np.ndarray:
    """Unique ``i * count + j`` codes (i < j) of member pairs that share a run of equal keys."""
    if len(run_keys) < 2:
        return np.empty(0, dtype=np.int64)
    shared = np.zeros(len(run_keys), dtype=bool)
    same = run_keys[1:] == run_keys[:-1]
    shared[1:] |= same
    shared[:-1] |= same
    run_keys, members = run_keys[shared], members[shared]
    chunks = []
    offset = 1
    while offset < len(run_keys):
        match = run_keys[offset:] == run_keys[:-offset]
        if not match.any():
            break
        left, right = members[:-offset][match], members[offset:][match]
        chunks.append(np.minimum(left, right).astype(np.int64) * count + np.maximum(left, right))
        offset += 1
    if not chunks:
        return np.empty(0, dtype=np.int64)
    return np.unique(np.concatenate(chunks))


def pairs_across(
    pairs: Iterable[SimilarPair], group_of: Mapping[str, str]
) -> list[SimilarPair]:
    """The pairs whose two documents belong to different groups (e.g. splits)."""
    return [p for p in pairs if group_of.get(p.a) != group_of.get(p.b)]

