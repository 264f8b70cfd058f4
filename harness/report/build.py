"""Assemble the report: load results, compute every metric per budget, draw figures, write files.

Output layout (all links relative, so the directory is self-contained):
  report.md, report.html, figures/*.png, tables/*.csv
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from llmhpo.harness import faithfulness
from llmhpo.harness.errors import UserError
from llmhpo.harness.journal.provenance import Provenance
from llmhpo.harness.names import slug
from llmhpo.harness.report import bayes, figures, ledger, merge, metrics, models, stats, uncertainty
from llmhpo.harness.report.faithfulness_section import faithfulness_blocks
from llmhpo.harness.report.load import Results, load_results
from llmhpo.harness.report.render import (
    Block,
    Bullets,
    Heading,
    Image,
    Paragraph,
    Table,
    fmt_loss,
    fmt_p,
    fmt_pct,
    fmt_share,
    fmt_usd,
    write_csv,
    write_report,
)

DEFINITIONS = [*metrics.DEFINITIONS, *uncertainty.DEFINITIONS, *stats.DEFINITIONS, *bayes.DEFINITIONS]  # Definitions


@dataclass(frozen=True)
class BudgetResult:
    """Every metric of one budget."""

    budget: int
    trials: pd.DataFrame
    short_runs: pd.DataFrame
    finals: pd.DataFrame
    means: pd.DataFrame
    baselines: pd.DataFrame
    summary: pd.DataFrame
    wilcoxon: pd.DataFrame
    cd: stats.CriticalDifference | None
    notes: list[str]
    stopped_runs: pd.DataFrame
    bayes: pd.DataFrame
    n_tasks: int  # tasks compared with random (the most any optimizer has): what the tests can reach


def random_label(runs: pd.DataFrame) -> str | None:
    """The label of the random-search runs ("random" preferred when several labels use it)."""
    labels = sorted(set(runs.loc[runs["optimizer_name"] == "random", "optimizer"]))
    if not labels:
        return None
    return "random" if "random" in labels else labels[0]


def analyse_budget(results: Results, budget: int, bounds: pd.DataFrame, horizon: int) -> BudgetResult | None:
    """All metrics of one budget (see DEFINITIONS); None while no run has finished b trials."""
    trials, short = metrics.select_budget(results.trials, results.runs, budget, results.stopped)
    if trials.empty or trials["loss"].notna().sum() == 0:
        return None
    finals = metrics.final_per_run(trials)
    means = metrics.task_means(finals)
    rand = random_label(results.runs)
    required = results.required_samples or metrics.MIN_BOOTSTRAP_SAMPLES
    baselines = metrics.random_baselines(means, results.baseline, budget, rand, horizon=horizon, min_samples=required)
    notes = [f"task `{r.benchmark}`: {r.baseline_source}" for r in baselines.itertuples() if "refused" in r.baseline_source]
    notes += [f"task `{r.benchmark}` left out of beats-random, change vs random and the Wilcoxon tests: no random "
              "baseline (no baseline samples and no random-search runs)" for r in baselines.itertuples()
              if not np.isfinite(r.baseline)]
    matrix, rank_notes = metrics.rank_matrix(means, baselines, rand)
    regrets = metrics.normalized_regret(finals, bounds)
    summary = (
        means.groupby("optimizer")
        .agg(tasks=("benchmark", "count"), seeds=("n_seeds", "max"))
        .join(trials.groupby("optimizer")["status"].agg(crashed=lambda s: int((s == "crashed").sum())))
        .reset_index()
        .merge(metrics.versus_random(means, baselines), on="optimizer", how="left")
        .merge(metrics.mean_rank(matrix).reset_index(), on="optimizer", how="left")
        .merge(metrics.mean_regret(regrets).reset_index(), on="optimizer", how="left")
        .merge(uncertainty.summary_intervals(means, baselines, matrix), on="optimizer", how="left")
        .merge(metrics.provenance_shares(trials), on="optimizer", how="left")
    )
    wilcoxon = stats.wilcoxon_vs_random(metrics.relative_to_random(means, baselines, rand))
    summary = summary.merge(wilcoxon[["optimizer", "p_holm"]].rename(columns={"p_holm": "wilcoxon_p"}), on="optimizer", how="left")
    summary = summary.sort_values(["mean_rank", "optimizer"], na_position="last", kind="stable").reset_index(drop=True)
    stopped_ids = [r for r in finals["run_id"] if r in results.stopped and results.stopped[r]["after"] < budget]
    stopped = finals.loc[finals["run_id"].isin(stopped_ids), ["run_id", "benchmark", "optimizer", "seed", "n_trials", "final"]]
    classical = sorted(set(trials["optimizer"]) - set(trials.loc[trials["has_llm"], "optimizer"]))
    verdicts = bayes.verdicts(means, baselines, rand, classical, metrics.mean_rank(matrix))
    n_tasks = int(summary["tasks_vs_random"].max()) if summary["tasks_vs_random"].notna().any() else 0
    return BudgetResult(budget, trials, short, finals, means, baselines, summary, wilcoxon,
                        stats.critical_difference(matrix), notes + rank_notes, stopped.reset_index(drop=True),
                        verdicts, n_tasks)


SUMMARY_HEADERS = {
    "tasks_vs_random": "tasks vs random",
    "beats_random_pct": "beats random",
    "median_change_pct": "median change",
    "mean_change_pct": "mean change",
    "mean_rank": "mean rank",
    "mean_regret": "norm. regret",
    "wilcoxon_p": "Wilcoxon p (Holm)",
    "model_chose_pct": "model chose",
}
SUMMARY_FORMATS = {
    "beats random": fmt_share,
    "median change": fmt_pct,
    "mean change": fmt_pct,
    "mean rank": fmt_loss,
    "norm. regret": fmt_loss,
    "Wilcoxon p (Holm)": fmt_p,
    "model chose": fmt_share,
}
HEADLINE_FORMATS = {"beats_random_pct": fmt_share, "median_change_pct": fmt_pct, "mean_change_pct": fmt_pct,
                    "mean_rank": fmt_loss}


def summary_view(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as the report shows it: each headline number with its interval, "x [low, high]"."""
    view = summary.drop(columns=["llm_trials", "harness_chose_pct"], errors="ignore").copy()
    for metric, fmt in HEADLINE_FORMATS.items():
        low, high = view.pop(f"{metric}_ci_low"), view.pop(f"{metric}_ci_high")
        view[metric] = [fmt(v) + ("" if pd.isna(lo) else f" [{fmt(lo)}, {fmt(hi)}]")
                        for v, lo, hi in zip(view[metric], low, high, strict=True)]
    return view.rename(columns=SUMMARY_HEADERS)


def _honesty_blocks(result: BudgetResult) -> list[Block]:
    """Before the tables: what the tests can reach with these tasks, and who chose the LLM configs."""
    compared = int(result.wilcoxon["p_value"].notna().sum()) if len(result.wilcoxon) else 0
    blocks: list[Block] = [Paragraph(" ".join(uncertainty.small_sample_sentences(result.n_tasks, compared)))]
    warned = [f"WARNING: `{r.optimizer}`: {r.harness_chose_pct:.0f}% of its {int(r.llm_trials)} LLM configs were "
              f"chosen by the harness (perturbed + random fallback), above {faithfulness.WARN_SHARE:.0%}: these results "
              "are not the model's alone" for r in result.summary.itertuples()
              if pd.notna(r.harness_chose_pct) and faithfulness.above(r.harness_chose_pct / 100.0)]
    return blocks + ([Bullets(warned)] if warned else [])


def _budget_blocks(result: BudgetResult, out: Path, rand: str | None) -> list[Block]:
    b = result.budget
    blocks: list[Block] = [Heading(2, f"Budget {b}"), *_honesty_blocks(result)]
    shown = {k: f for k, f in SUMMARY_FORMATS.items() if k not in {SUMMARY_HEADERS[m] for m in HEADLINE_FORMATS}}
    blocks.append(Table(summary_view(result.summary), shown, csv=f"tables/summary_b{b}.csv"))
    write_csv(result.summary, out / f"tables/summary_b{b}.csv")
    write_csv(result.finals, out / f"tables/finals_b{b}.csv")
    if len(result.short_runs):
        blocks.append(Paragraph(f"{len(result.short_runs)} run(s) have fewer than {b} finished trials and did not "
                                "stop early, so they are left out:"))
        blocks.append(Table(result.short_runs[["run_id", "benchmark", "optimizer", "seed", "finished"]]))
    if len(result.stopped_runs):
        blocks.append(Paragraph(f"{len(result.stopped_runs)} run(s) were stopped early by their optimizer (patience) "
                                f"and keep their incumbent up to trial {b}:"))
        blocks.append(Table(result.stopped_runs, {"final": fmt_loss}))
    if result.notes:
        blocks.append(Bullets(result.notes))
    blocks.append(Heading(3, "Random baseline"))
    blocks.append(Table(result.baselines, {"baseline": fmt_loss, "baseline_se": fmt_loss}, csv=f"tables/baseline_b{b}.csv"))
    write_csv(result.baselines, out / f"tables/baseline_b{b}.csv")
    blocks.append(Heading(3, "Wilcoxon signed-rank tests vs the random baseline (over tasks, Holm-corrected)"))
    if len(result.wilcoxon):
        blocks.append(Table(result.wilcoxon, {"statistic": fmt_loss, "p_value": fmt_p, "p_holm": fmt_p},
                            csv=f"tables/wilcoxon_b{b}.csv"))
        write_csv(result.wilcoxon, out / f"tables/wilcoxon_b{b}.csv")
    else:
        blocks.append(Paragraph("Skipped: no task has a random baseline to compare with."))
    blocks.append(Heading(3, f"Bayesian signed-rank test (over tasks, ROPE ±{bayes.ROPE:.0%} relative loss)"))
    if len(result.bayes):
        blocks.append(Table(result.bayes, {c: fmt_p for c in ("p_better", "p_equivalent", "p_worse")},
                            csv=f"tables/bayes_b{b}.csv"))
        write_csv(result.bayes, out / f"tables/bayes_b{b}.csv")
    else:
        blocks.append(Paragraph("Skipped: nothing to compare over tasks."))
    return blocks + _cd_blocks(result, out)


def _cd_blocks(result: BudgetResult, out: Path) -> list[Block]:
    b, cd = result.budget, result.cd
    blocks: list[Block] = [Heading(3, "Critical difference")]
    if cd is None:
        return blocks + [Paragraph("Skipped: needs at least 2 tasks run by every optimizer and at least 2 optimizers.")]
    ranks = cd.avg_ranks.sort_values(kind="stable").rename("avg_rank").rename_axis("optimizer").reset_index()
    write_csv(ranks, out / f"tables/cd_b{b}.csv")
    f = cd.friedman
    test = (f"Friedman chi² = {f.chi2:.3g} (p = {fmt_p(f.chi2_p)}), Iman-Davenport F = {f.f:.3g} with ({f.k - 1}, "
            f"{(f.k - 1) * (f.n_tasks - 1)}) d.f., p = {fmt_p(f.p)}") if f is not None else ""
    head = f"{cd.n_tasks} tasks, {len(cd.avg_ranks)} optimizers" + (f"; {test}" if test else "")
    if not cd.draw:
        blocks.append(Paragraph(f"{head}. No critical-difference diagram: {cd.note}."))
        return blocks + [Table(ranks, {"avg_rank": fmt_loss})]
    blocks.append(Paragraph(f"{head}: rejects at alpha = {cd.alpha}; Nemenyi CD = {cd.cd:.3f}."))
    image = f"figures/cd_b{b}.png"
    figures.cd_diagram(cd, out / image, title=f"Critical difference, budget {b} ({cd.n_tasks} tasks)")
    blocks.append(Image(image, f"critical-difference diagram, budget {b}"))
    return blocks


def _task_blocks(results: Results, by_budget: list[BudgetResult], out: Path) -> list[Block]:
    largest = by_budget[-1]
    curves = metrics.best_so_far(largest.trials, horizon=largest.budget)
    write_csv(curves, out / "tables/best_so_far.csv")
    summary = metrics.curve_summary(curves)
    all_means = pd.concat([r.means.assign(budget=r.budget) for r in by_budget], ignore_index=True)
    write_csv(all_means, out / "tables/task_means.csv")
    colors = figures.palette(sorted(set(results.trials["optimizer"])))
    blocks: list[Block] = [Heading(2, "Per task")]
    for task in sorted(set(all_means["benchmark"])):
        random_curve = None
        if results.baseline is not None:
            samples = results.baseline.loc[results.baseline["benchmark"] == task, "loss"].to_numpy()
            if np.isfinite(samples).sum() >= (results.required_samples or metrics.MIN_BOOTSTRAP_SAMPLES):
                random_curve = metrics.bootstrap_best_curve(samples, largest.budget, seed=metrics.task_seed(task))
        image = f"figures/task_{slug(task)}.png"
        task_means = all_means.loc[all_means["benchmark"] == task]
        figures.task_figure(task, summary.loc[summary["benchmark"] == task], task_means, random_curve, colors, out / image)
        blocks += [Heading(3, task), Image(image, f"{task}: best-so-far curves and final losses")]
        table = task_means[["budget", "optimizer", "mean_final", "se_final", "mean_test_loss", "n_seeds"]]
        blocks.append(Table(table.sort_values(["budget", "mean_final"]), {c: fmt_loss for c in ("mean_final", "se_final", "mean_test_loss")}))
    return blocks


def _ledger_blocks(results: Results, out: Path) -> list[Block]:
    book = ledger.llm_ledger(results.trials)
    blocks: list[Block] = [Heading(2, "LLM ledger")]
    if book.empty:
        return blocks + [Paragraph("No optimizer in this campaign called an LLM.")]
    write_csv(book, out / "tables/ledger.csv")
    blocks.append(Table(book, {"live_cost_usd": fmt_usd, "would_have_cost_usd": fmt_usd}, csv="tables/ledger.csv"))
    totals = ledger.ledger_totals(book)
    blocks.append(
        Paragraph(
            f"Total: {totals['llm_calls']} LLM calls, {totals['cache_hits']} cache hits, "
            f"{totals['prompt_tokens']} prompt + {totals['completion_tokens']} completion tokens; live cost "
            f"{fmt_usd(totals['live_cost_usd'])}, would have cost {fmt_usd(totals['would_have_cost_usd'])}; "
            f"{totals['parse_failures']} parse failures, {totals['repairs']} repairs, {totals['fallbacks']} fallbacks, "
            f"{totals['perturbed']} perturbed by the harness after repeats."
        )
    )
    return blocks


def _incident_blocks(results: Results, out: Path) -> list[Block]:
    trials = results.trials
    blocks: list[Block] = [Heading(2, "Crashed trials and LLM fallbacks")]
    crashed = trials.loc[trials["status"] == "crashed", ["run_id", "index", "benchmark", "optimizer", "seed", "loss", "error"]]
    write_csv(crashed, out / "tables/crashed.csv")
    if len(crashed):
        blocks.append(Paragraph(f"{len(crashed)} crashed trial(s); each counts with the loss it was recorded with:"))
        blocks.append(Table(crashed, {"loss": fmt_loss}, csv="tables/crashed.csv"))
    else:
        blocks.append(Paragraph("No crashed trials."))
    fallbacks = trials.loc[trials["parse_outcome"] == Provenance.FALLBACK.value, ["run_id", "index", "benchmark", "optimizer", "seed", "source", "parse_attempts", "llm_failures"]]
    write_csv(fallbacks, out / "tables/fallbacks.csv")
    if len(fallbacks):
        blocks.append(Paragraph(f"{len(fallbacks)} trial(s) fell back to a random config after the LLM reply could not be used:"))
        blocks.append(Table(fallbacks, csv="tables/fallbacks.csv"))
    else:
        blocks.append(Paragraph("No LLM fallbacks."))
    return blocks


def _header_blocks(results: Results, budgets: list[int], rand: str | None) -> list[Block]:
    m, trials = results.manifest, results.trials
    cache = m.get("cache") or {}
    live = m.get("live_wall_s")
    facts = [
        f"campaign `{results.campaign}`, created {m.get('created_at', '?')}, llmhpo {m.get('llmhpo_version', '?')}",
        f"spec hash `{str(m.get('spec_hash', '?'))[:16]}`; cache `{cache.get('path', '?')}` (mode {cache.get('mode', '?')})",
        f"{trials['benchmark'].nunique()} task(s), {trials['optimizer'].nunique()} optimizer(s), "
        f"{trials['seed'].nunique()} seed(s), budget(s) {', '.join(map(str, budgets))}; {len(trials)} finished trials "
        f"of {int(results.runs['budget'].sum())} planned, {int((trials['status'] == 'crashed').sum())} crashed",
        f"live wall time: {live:.1f} s" if isinstance(live, int | float) else "live wall time: not recorded",
        f"random search label: `{rand}`" if rand else "no random-search runs: change vs random uses bootstrap baselines only",
    ]
    blocks: list[Block] = [Heading(1, f"llmhpo report: {results.campaign}"), Bullets(facts)]
    if results.notes:
        blocks += [Heading(3, "Data notes"), Bullets(results.notes)]
    return blocks


def _footer_blocks(results: Results) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Definitions"), Bullets(DEFINITIONS)]
    versions = results.manifest.get("versions") or {}
    hashes = results.manifest.get("template_hashes") or {}
    if versions or hashes:
        rows = [("version", k, str(v)) for k, v in sorted(versions.items())]
        rows += [("prompt template", k, str(v)[:16]) for k, v in sorted(hashes.items())]
        blocks += [Heading(2, "Environment"), Table(pd.DataFrame(rows, columns=["kind", "name", "value"]))]
    return blocks


def build_report(results_dir: Path | str | Sequence[Path | str], out_dir: Path | str | None = None, *,
                 given: Sequence[str] | None = None) -> Path:
    """Write report.md, report.html, figures and CSV tables for a campaign, or for several comparable
    campaigns merged into one (`harness.report.merge`; `given`: the sources as the user named them;
    out_dir is then required); returns the HTML path. Nothing is written when they cannot be merged."""
    directories = [results_dir] if isinstance(results_dir, str | Path) else list(results_dir)
    if len(directories) > 1 and out_dir is None:
        raise UserError("several campaigns: pass --out DIR for the merged report (it belongs to none of them)")
    if len(directories) == 1:
        results = load_results(directories[0])
    else:
        results = merge.merge(merge.load_sources([Path(d) for d in directories], list(given or directories)))
    out = Path(out_dir) if out_dir is not None else results.directory / "report"
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    budgets = sorted(int(b) for b in set(results.runs["budget"]))
    bounds = metrics.loss_bounds(results.trials, results.baseline)
    rand = random_label(results.runs)
    blocks = _header_blocks(results, budgets, rand) + merge.source_blocks(results) + merge.per_source(faithfulness_blocks, results)
    by_budget = []
    for budget in budgets:
        result = analyse_budget(results, budget, bounds, budgets[-1])
        if result is None:
            blocks += [Heading(2, f"Budget {budget}"), Paragraph(f"No run has finished {budget} trials yet: nothing to compare.")]
            continue
        by_budget.append(result)
        blocks += _budget_blocks(result, out, rand)
    if by_budget:
        blocks += models.model_blocks(results, by_budget[-1].trials, by_budget[-1].summary, by_budget[-1].budget, out)
        blocks += _task_blocks(results, by_budget, out)
    blocks += _ledger_blocks(results, out)
    blocks += _incident_blocks(results, out)
    blocks += _footer_blocks(results)
    return write_report(blocks, out, f"llmhpo report: {results.campaign}")
