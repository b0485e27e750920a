"""Near-duplicate detection: word n-gram shingles, exact Jaccard, and every pair above a threshold.

Two texts are near-duplicates when the Jaccard similarity of their sets of word 5-gram shingles
reaches a threshold (0.2 by default: rewrites of one wire story share far more than that, two
independent reports of one event far less). The split leakage check, the contributor tools and
the no-template corpus check all use this one definition.

:func:`similar_pairs` is exact, not an estimate: candidates come from a prefix-filtered inverted
index (a pair with Jaccard >= t must share a shingle among the rarest ``|A| - ceil(t|A|) + 1`` of
each set, in one global order), and every candidate is verified with the exact overlap.
Shingles are numbered through a vocabulary built in input order, so results are deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np

SHINGLE_WORDS = 5
NEAR_DUPLICATE_THRESHOLD = 0.2
_WORD = re.compile(r"\w+")
_MIX = np.uint64(0x9E3779B97F4A7C15)


def words(text: str) -> list[str]:
    """The lower-cased word tokens of ``text`` (runs of letters, digits and underscores)."""
    return _WORD.findall(text.lower())


_NON_WORD_ASCII = bytes(c if (chr(c).isascii() and (chr(c).isalnum() or c == ord("_"))) else ord(" ") for c in range(256)).lower()


def _token_keys(text: str) -> list:
    """Distinct-token keys of :func:`words` (its tokens, UTF-8 encoded), fast for ASCII text.

    On ASCII text ``\\w`` is exactly ``[A-Za-z0-9_]``, so a byte translation and a split give the
    same tokens as the regular expression, several times faster.
    """
    if text.isascii():
        return text.encode("ascii").translate(_NON_WORD_ASCII).split()
    return [token.encode("utf-8") for token in words(text)]


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


def _hashed_shingles(tokens: list, vocabulary: dict, n: int) -> np.ndarray:
    """Sorted unique 64-bit codes of the ``n``-gram shingles of ``tokens``."""
    new = [token for token in dict.fromkeys(tokens) if token not in vocabulary]
    vocabulary.update(zip(new, range(len(vocabulary) + 1, len(vocabulary) + 1 + len(new))))
    ids = np.fromiter(map(vocabulary.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    if len(ids) == 0:
        return ids
    width = min(n, len(ids))
    codes = ids[: len(ids) - width + 1].copy()
    with np.errstate(over="ignore"):
        for k in range(1, width):
            codes = codes * _MIX + ids[k : len(ids) - width + 1 + k]
    return np.unique(codes)


def similar_pairs(
    texts: Mapping[str, str] | Iterable[tuple[str, str]],
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
    n: int = SHINGLE_WORDS,
) -> list[SimilarPair]:
    """Every pair of documents whose shingle Jaccard is >= ``threshold``, sorted by ids.

    ``texts`` maps document id to text. Runs in about linear time for corpora without mass
    duplication (the output itself is quadratic when hundreds of texts are copies).
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    items = sorted(texts.items() if isinstance(texts, Mapping) else texts)
    ids = [doc for doc, _ in items]
    vocabulary: dict[str, int] = {}
    sets = [_hashed_shingles(_token_keys(text), vocabulary, n) for _, text in items]
    sizes = np.array([len(s) for s in sets], dtype=np.int64)
    if len(items) < 2 or not sizes.any():
        return []
    shared, frequency = _shared_shingles(sets)
    if len(shared) == 0:
        return []
    rank_of_shared = np.empty(len(shared), dtype=np.int64)
    rank_of_shared[np.lexsort((shared, frequency))] = np.arange(len(shared), dtype=np.int64)
    prefix_length = sizes - np.ceil(threshold * sizes - 1e-9).astype(np.int64) + 1
    prefix_rank_parts, prefix_doc_parts = [], []
    for index, codes in enumerate(sets):
        where = np.searchsorted(shared, codes)
        where[where == len(shared)] = 0
        hit = shared[where] == codes
        singles = len(codes) - int(np.count_nonzero(hit))
        room = int(prefix_length[index]) - singles
        if room <= 0 or singles == len(codes):
            continue
        ranks = np.sort(rank_of_shared[where[hit]])[:room]
        prefix_rank_parts.append(ranks)
        prefix_doc_parts.append(np.full(len(ranks), index, dtype=np.int64))
    if not prefix_rank_parts:
        return []
    by_rank = np.sort(np.concatenate(prefix_rank_parts) * np.int64(len(sets)) + np.concatenate(prefix_doc_parts))
    prefix_rank, prefix_doc = np.divmod(by_rank, np.int64(len(sets)))
    candidates = _pairs_within_runs(prefix_rank, prefix_doc, len(sets))

    found: list[SimilarPair] = []
    for key in candidates:
        i, j = divmod(int(key), len(sets))
        a, b = sets[i], sets[j]
        small, large = (a, b) if len(a) <= len(b) else (b, a)
        where = np.searchsorted(large, small)
        where[where == len(large)] = 0
        overlap = int(np.count_nonzero(large[where] == small))
        similarity = overlap / (len(a) + len(b) - overlap)
        if similarity >= threshold:
            found.append(SimilarPair(ids[i], ids[j], similarity))
    return sorted(found)


def _shared_shingles(sets: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The shingle codes found in two or more documents (sorted) and their document frequencies.

    A shingle of one document only can never make a candidate pair, and in news text most
    shingles are such, so everything after this step works on a small fraction of the data.
    """
    codes = np.concatenate(sets)
    codes.sort()
    repeated = codes[1:] == codes[:-1]
    shared = np.unique(codes[1:][repeated])
    frequency = np.searchsorted(codes, shared, side="right") - np.searchsorted(codes, shared, side="left")
    return shared, frequency.astype(np.int64)


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

