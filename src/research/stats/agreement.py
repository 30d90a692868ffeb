"""Checking the codebook rules against a researcher's manual coding (Cohen's kappa per theme).

The researcher codes a sample of open answers by hand in a CSV: one row per answer with
columns `sample_id, wave, question, text` and one column per theme id holding 1 (the
theme is present) or 0. `research prepare` reads it into the `manual_coding` table; the
report applies the codebook's rules to the same texts and reports, per theme, how often
the two agree and Cohen's kappa with an exact 95 % interval that does not collapse when the
agreement is perfect (see `cohens_kappa`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from research.core.errors import UserError

MANUAL_FIXED = ["sample_id", "wave", "question", "text"]


def read_manual_coding(path: str | Path) -> pd.DataFrame:
    """A manual coding CSV as a long table: sample_id, wave, question, text, theme, code."""
    path = Path(path)
    from research.core.textfile import read_csv
    df = read_csv(path)
    missing = [c for c in MANUAL_FIXED if c not in df.columns]
    if missing:
        raise UserError(f"column '{missing[0]}' is missing; expected columns "
                        f"{', '.join(MANUAL_FIXED)} and one column per theme id", file=path)
    themes = [c for c in df.columns if c not in MANUAL_FIXED]
    if not themes:
        raise UserError("no theme columns; add one column per theme id with 1 or 0", file=path)
    dup = df["sample_id"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0]) + 2
        raise UserError(f"sample_id '{df['sample_id'][row - 2]}' appears twice", file=path,
                        row=row, column="sample_id")
    for theme in themes:
        bad = ~df[theme].str.strip().isin(["0", "1"])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise UserError(f"expected 1 or 0, got '{df[theme][i]}'", file=path, row=i + 2,
                            column=theme)
    long = df.melt(id_vars=MANUAL_FIXED, value_vars=themes, var_name="theme", value_name="code")
    long["code"] = long["code"].str.strip().astype(int)
    return long[MANUAL_FIXED + ["theme", "code"]]


def cohens_kappa(a, b) -> dict:
    """Cohen's kappa of two 0/1 codings of the same answers, with a 95 % interval.

    kappa = (p_o - p_e) / (1 - p_e); NaN when p_e = 1 (both coders gave one value only).
    Given the coders' margins (p_e), kappa is a linear function of the observed agreement
    p_o, so the interval is the exact Clopper-Pearson interval of p_o (agreements out of n)
    carried through that function and clipped to [-1, 1]. Unlike the asymptotic interval
    (statsmodels), it does not collapse to 1 … 1 when the coders agree on every answer:
    2 positives agreed in 57 answers give 0.07 … 1.
    """
    from scipy.stats import beta

    a, b = np.asarray(a, dtype=int), np.asarray(b, dtype=int)
    table = np.array([[np.sum((a == i) & (b == j)) for j in (0, 1)] for i in (0, 1)], float)
    n = table.sum()
    p_o = np.trace(table) / n
    p_e = float(table.sum(0) @ table.sum(1)) / n ** 2
    if np.isclose(p_e, 1.0):
        return {"n": int(n), "agreement": p_o, "kappa": np.nan, "ci_low": np.nan,
                "ci_high": np.nan}
    agree = int(round(np.trace(table)))
    lo = float(beta.ppf(0.025, agree, n - agree + 1)) if agree > 0 else 0.0
    hi = float(beta.ppf(0.975, agree + 1, n - agree)) if agree < n else 1.0
    to_kappa = lambda p: (p - p_e) / (1 - p_e)  # noqa: E731
    return {"n": int(n), "agreement": p_o, "kappa": to_kappa(p_o),
            "ci_low": max(-1.0, to_kappa(lo)), "ci_high": min(1.0, to_kappa(hi))}


def kappa_per_theme(manual: pd.DataFrame, codebook) -> pd.DataFrame:
    """Per theme: answers coded, yes by hand, yes by rules, agreement, kappa and interval."""
    from research.stats.codebook import code_text

    unknown = sorted(set(manual["theme"]) - set(codebook.theme_ids))
    if unknown:
        raise UserError(f"the manual coding has theme '{unknown[0]}', which the codebook "
                        f"does not define (themes: {', '.join(codebook.theme_ids)})",
                        file=codebook.path)
    columns = ["theme", "n", "manual_yes", "rules_yes", "agreement", "kappa", "ci_low",
               "ci_high"]
    if manual.empty:
        return pd.DataFrame(columns=columns)
    texts = manual.drop_duplicates("sample_id")[["sample_id", "text"]]
    rules = {(sid, h["theme"]) for sid, text in texts.itertuples(index=False)
             for h in code_text(text, codebook)}
    manual = manual.assign(rules=[int((s, t) in rules)
                                  for s, t in zip(manual["sample_id"], manual["theme"])])
    rows = []
    for theme in [t for t in codebook.theme_ids if t in set(manual["theme"])]:
        part = manual[manual["theme"] == theme]
        rows.append({"theme": theme, "manual_yes": int(part["code"].sum()),
                     "rules_yes": int(part["rules"].sum()),
                     **cohens_kappa(part["code"], part["rules"])})
    return pd.DataFrame(rows, columns=columns)
