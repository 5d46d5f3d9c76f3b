"""Clusters of comments: TF-IDF, then NMF topics, then every comment assigned to its nearest topic.

The vocabulary and the topics are fitted on a fixed-size random sample (`SAMPLE` comments); every
comment is then vectorised with that vocabulary and assigned, in chunks, to the topic its TF-IDF
vector is most similar to (cosine), so the cost grows linearly with the number of comments and the
memory stays bounded by one chunk. A comment too far from every topic (similarity below
`MIN_SIMILARITY`, or no known word at all) stays unassigned. Nothing is downloaded: scikit-learn
and stop-word lists written here (English from scikit-learn, Portuguese below).
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# Topics are learned from at most this many comments (a random sample when there are more).
SAMPLE = 40_000
CHUNK = 50_000
MIN_SIMILARITY = 0.1
TOP_TERMS = 10
EXAMPLES = 5
MIN_K, MAX_K = 3, 30

# European Portuguese function words (the Lisbon team's customers write Portuguese).
_PORTUGUESE = """
    a à ao aos aquela aquelas aquele aqueles aquilo as às até com como contra da das de dela delas dele
    deles depois do dos e é ela elas ele eles em entre era eram essa essas esse esses esta está estão
    estas este estes eu foi foram há isso isto já lhe lhes mais mas me mesmo meu meus minha minhas muito
    na não nas nem no nos nós nossa nossas nosso nossos num numa o os ou para pela pelas pelo pelos por
    qual quando que quem se sem ser será seu seus só sua suas também te tem têm tinha tive tu tua tuas
    um uma umas uns vai vão você vocês vos foi fui estou estava ainda sempre nunca ter fazer feito
"""
PORTUGUESE_STOP_WORDS = frozenset(_PORTUGUESE.split())
_NOISE = re.compile(r"@\w+|https?://\S+|www\.\S+|&amp;|&\w+;")
WORD_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"


def _preprocess(text: str) -> str:
    """Lower case, without @handles, links and HTML entities (they name a brand, not a problem)."""
    return _NOISE.sub(" ", text.lower())


def stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS | PORTUGUESE_STOP_WORDS)


def k_for(count: int) -> int:
    """Topics for `count` comments: about sqrt(count / 10), between MIN_K and MAX_K."""
    return max(MIN_K, min(MAX_K, round(math.sqrt(max(count, 1) / 10))))


@dataclass
class Cluster:
    """One topic: its top terms with weights (summing to 1), its members and its examples.

    `members` and `examples` are positions in the input; `examples` are the members most similar to
    the topic, most similar first.
    """

    topic: int
    terms: list[tuple[str, float]]
    members: np.ndarray
    examples: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass
class Clustering:
    """The fitted vocabulary and topics, and the clusters found in the comments it was fitted on."""

    vectorizer: object
    topics: np.ndarray  # k x vocabulary, each row of unit length
    clusters: list[Cluster]
    labels: np.ndarray  # per input comment: its topic, or -1

    def assign(self, texts: Sequence[str]) -> np.ndarray:
        """The topic of each of `texts` (-1: near none), as for the comments clustered."""
        labels, _ = _assign(self.vectorizer, self.topics, texts)
        return labels


def cluster_comments(
    texts: Sequence[str],
    *,
    k: int | None = None,
    random_state: int = 0,
    sample: int = SAMPLE,
    examples: int = EXAMPLES,
    example_allowed: np.ndarray | None = None,
) -> Clustering | None:
    """Cluster `texts` into about `k` topics (k_for(len(texts)) by default); None if too few words.

    `example_allowed` (booleans, one per text) limits which comments may be examples (an anonymous
    answer never is one).
    """
    from sklearn.decomposition import NMF

    count = len(texts)
    k = k or k_for(count)
    rng = np.random.default_rng(random_state)
    picked = np.sort(rng.choice(count, size=sample, replace=False)) if count > sample else np.arange(count)
    vectorizer = _vectorizer()
    try:
        matrix = vectorizer.fit_transform([texts[i] for i in picked])
    except ValueError:  # no word left after stop words and min_df
        return None
    k = min(k, matrix.shape[0], matrix.shape[1])
    if k < 2:
        return None
    nmf = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=300, tol=1e-3)
    nmf.fit(matrix)
    components = nmf.components_.astype(np.float32)
    norms = np.linalg.norm(components, axis=1, keepdims=True)
    topics = components / np.where(norms > 0, norms, 1)
    labels, similarity = _assign(vectorizer, topics, texts)
    allowed = (
        np.ones(count, dtype=bool) if example_allowed is None else np.asarray(example_allowed, dtype=bool)
    )
    vocabulary = vectorizer.get_feature_names_out()
    clusters = []
    for topic in range(k):
        members = np.flatnonzero(labels == topic)
        if len(members) < 2:
            continue
        candidates = members[allowed[members]]
        closest = candidates[np.argsort(-similarity[candidates], kind="stable")[:examples]]
        terms = _top_terms(components[topic], vocabulary)
        clusters.append(
            Cluster(topic=topic, terms=terms, members=members, examples=[int(i) for i in closest])
        )
    clusters.sort(key=lambda cluster: -cluster.size)
    return Clustering(vectorizer=vectorizer, topics=topics, clusters=clusters, labels=labels)


def _vectorizer():
    """TF-IDF over words of three letters or more, without English and Portuguese stop words."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        preprocessor=_preprocess,
        token_pattern=WORD_PATTERN,
        stop_words=stop_words(),
        min_df=2,
        max_df=0.6,
        max_features=20_000,
        sublinear_tf=True,
        dtype=np.float32,
    )


def _assign(vectorizer, topics: np.ndarray, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Nearest topic (cosine of the unit TF-IDF vector with the unit topic) and that similarity."""
    labels = np.full(len(texts), -1, dtype=np.int32)
    similarity = np.zeros(len(texts), dtype=np.float32)
    for start in range(0, len(texts), CHUNK):
        chunk = vectorizer.transform(texts[start : start + CHUNK])
        scores = np.asarray(chunk @ topics.T)
        best = scores.argmax(axis=1)
        best_score = scores[np.arange(len(best)), best]
        near = best_score >= MIN_SIMILARITY
        labels[start : start + len(best)] = np.where(near, best, -1)
        similarity[start : start + len(best)] = best_score
    return labels, similarity


def _top_terms(component: np.ndarray, vocabulary: np.ndarray) -> list[tuple[str, float]]:
    top = np.argsort(-component, kind="stable")[:TOP_TERMS]
    top = top[component[top] > 0]
    total = float(component[top].sum()) or 1.0
    return [(str(vocabulary[i]), round(float(component[i]) / total, 4)) for i in top]


def term_similarity(a: Sequence[Sequence], b: Sequence[Sequence]) -> float:
    """Weighted Jaccard of two term lists ([[term, weight], ...]): sum of min / sum of max weights."""
    left = {str(term): float(weight) for term, weight in a}
    right = {str(term): float(weight) for term, weight in b}
    union = left.keys() | right.keys()
    high = sum(max(left.get(term, 0.0), right.get(term, 0.0)) for term in union)
    low = sum(min(left.get(term, 0.0), right.get(term, 0.0)) for term in union)
    return low / high if high else 0.0
