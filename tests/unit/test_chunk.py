from hypothesis import given, settings
from hypothesis import strategies as st

from qa.chunk import chunk, split_sentences
from qa.clean import normalise_whitespace
from qa.settings import ChunkSettings


def test_sentences_respect_abbreviations_and_quotes() -> None:
    text = 'Mr. Smith met U.S. officials on Jan. 5. "We agreed," he said. It was 1.8 million! Done'
    got = [text[s.start : s.end] for s in split_sentences(text)]
    assert got == ['Mr. Smith met U.S. officials on Jan. 5.', '"We agreed," he said.', "It was 1.8 million!", "Done"]


def test_line_breaks_end_sentences_and_ellipsis_mid_sentence_does_not() -> None:
    text = "Headline without stop\n\"We expect support... from Turkey,\" he said."
    got = [text[s.start : s.end] for s in split_sentences(text)]
    assert got == ["Headline without stop", '"We expect support... from Turkey," he said.']


def test_passages_are_whole_sentences_within_budget_and_overlap() -> None:
    sentences = [f"Sentence number {i} says something about topic {i}." for i in range(40)]
    text = " ".join(sentences)
    cfg = ChunkSettings(target_chars=200, max_chars=400, overlap_sentences=1)
    passages = chunk("d", text, cfg)
    assert len(passages) > 5
    for p in passages:
        assert p.text == text[p.start : p.end]
        assert p.text.endswith(".") and p.text[0] == "S"
        assert len(p.text) <= 200
    for a, b in zip(passages, passages[1:]):
        assert b.start < a.end, "consecutive passages share a sentence"
        assert b.start > a.start
    assert passages[0].start == 0 and passages[-1].end == len(text)


def test_overlong_sentence_is_split_at_whitespace() -> None:
    text = " ".join(["word"] * 500)
    passages = chunk("d", text, ChunkSettings(target_chars=300, max_chars=300, overlap_sentences=0))
    assert all(len(p.text) <= 300 for p in passages)
    assert "".join(p.text for p in passages).replace(" ", "") == text.replace(" ", "")


text_strategy = st.lists(
    st.sampled_from(list("abc XYZ.!?\n\"'…,-é") + ["Mr.", "U.S.", "  ", "1,600", "word "]), max_size=300
).map("".join)


@settings(max_examples=300, deadline=None)
@given(raw=text_strategy, target=st.integers(100, 400), overlap=st.integers(0, 3))
def test_offsets_always_slice_back_to_the_passage(raw: str, target: int, overlap: int) -> None:
    text = normalise_whitespace(raw)
    for s in split_sentences(text):
        assert text[s.start : s.end].strip() == text[s.start : s.end] != ""
    cfg = ChunkSettings(target_chars=target, max_chars=max(200, target), overlap_sentences=overlap)
    passages = chunk("d", text, cfg)
    for i, p in enumerate(passages):
        assert p.index == i
        assert text[p.start : p.end] == p.text
    covered = set()
    for p in passages:
        covered.update(range(p.start, p.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace()), "no text is lost"


def test_passages_end_at_paragraph_breaks_once_half_full() -> None:
    paragraphs = [" ".join(f"Paragraph {n} sentence {i} has some words in it." for i in range(4)) for n in range(6)]
    text = "\n\n".join(paragraphs)
    passages = chunk("d", text, ChunkSettings(target_chars=500, max_chars=500, overlap_sentences=0))
    # two whole paragraphs fit in 500 characters; a third would not, and is not started
    assert [p.text for p in passages] == ["\n\n".join(paragraphs[k : k + 2]) for k in (0, 2, 4)]
    overlapping = chunk("d", text, ChunkSettings(target_chars=500, max_chars=500, overlap_sentences=1))
    assert overlapping[0].text == passages[0].text
    assert overlapping[1].text.startswith(paragraphs[1].split(". ")[-1]), "one sentence repeated"
    assert overlapping[1].text.endswith(paragraphs[2]) or overlapping[1].text.endswith(paragraphs[3])


def test_a_long_paragraph_is_cut_inside_with_overlap() -> None:
    long = " ".join(f"Long sentence {i} goes on with words." for i in range(30))
    text = "Short opening paragraph here.\n\n" + long
    passages = chunk("d", text, ChunkSettings(target_chars=300, max_chars=300, overlap_sentences=1))
    assert passages[0].text == "Short opening paragraph here.\n\n" + passages[0].text.split("\n\n")[1]
    for a, b in zip(passages[1:], passages[2:]):
        assert b.start < a.end, "inside a paragraph, consecutive passages share a sentence"
