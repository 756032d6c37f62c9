"""The interactive demo: ``anonymizer demo`` runs ``streamlit run`` on this file.

Needs the optional extra: ``pip install '.[demo]'``. Imported only by Streamlit.
"""

from __future__ import annotations

import secrets

import streamlit as st

from anonymizer.errors import AnonymizerError
from anonymizer.pipeline import Anonymizer
from anonymizer.review import demo
from anonymizer.review.render import CSS, legend


@st.cache_resource(show_spinner="Loading the model (once) …")
def shipped_anonymizer(strict: bool) -> Anonymizer:
    return demo.load_anonymizer(strict=strict)


def main() -> None:
    st.set_page_config(page_title="anonymizer demo", layout="wide")
    st.title("anonymizer demo")
    st.caption("Swedish text without personal data. What you paste stays on this machine.")
    if "audit_key" not in st.session_state:
        st.session_state["audit_key"] = secrets.token_bytes(32)

    with st.sidebar:
        operator = st.radio("Operator", demo.OPERATORS, horizontal=False)
        strict_ok = demo.strict_available()
        strict = st.toggle(
            "Strict preset",
            value=False,
            disabled=not strict_ok,
            help="Recall first: also redact capitalised words that are not known ordinary "
            "words, and the tagger's uncertain entities."
            if strict_ok
            else "This installation has no strict preset.",
        )
        source = st.radio("Input", ("Paste text", "Upload CSV"))

    texts: list[str] = []
    if source == "Paste text":
        text = st.text_area("Swedish text", value=demo.EXAMPLE, height=200, key="text")
        texts = [text] if text.strip() else []
    else:
        uploaded = st.file_uploader("A small CSV file (UTF-8, header row)", type=["csv", "tsv"])
        if uploaded is not None:
            data = uploaded.getvalue()
            try:
                columns = demo.csv_columns(data)
                column = st.selectbox("Column to redact", columns)
                if column is not None:
                    texts = demo.csv_texts(data, column=column)
                    st.caption(f"the first {len(texts)} rows (at most {demo.MAX_ROWS})")
            except AnonymizerError as error:
                st.error(str(error))
    if not texts:
        st.info("Paste some Swedish text or upload a CSV file.")
        return

    anonymizer = demo.with_operator(shipped_anonymizer(strict), str(operator))
    results = demo.redact_for_demo(anonymizer, texts, audit_key=st.session_state["audit_key"])
    labels = sorted({str(record["label"]) for result in results for record in result.audit})
    st.html(f"<style>{CSS}</style><div>{legend(labels)}</div>")
    left, right = st.columns(2)
    with left:
        st.subheader("Entities")
        for result in results:
            st.html(f'<div class="anon-text original">{result.original_html}</div>')
    with right:
        st.subheader("Redacted")
        for result in results:
            st.html(f'<div class="anon-text redacted">{result.redacted_html}</div>')
    st.subheader("Audit records")
    records = [record for result in results for record in result.audit]
    if records:
        st.dataframe(records, hide_index=True)
    else:
        st.caption("nothing was replaced")
    st.download_button(
        "Download the redacted text",
        "\n\n".join(result.redacted for result in results),
        file_name="redacted.txt",
    )


main()
