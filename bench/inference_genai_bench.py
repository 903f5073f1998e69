"""The reference side of bench/inference.bench.ts: onnxruntime-genai in Python on a genai model folder.

Runs one bench case (--case-file: {"turns": [[ids...], ...], "newTokens": N}) greedy with eos suppressed
(min_length = max_length), so exactly newTokens tokens are made per turn, like the engine's run. One
og.Generator serves every turn: each turn's ids go in with append_tokens on the same generator (its KV
cache is kept), the way genai's own chat examples do multi-turn. (genai 0.18 never runs the last answer
token of a turn through the model when tokens are appended after it: its KV slot stays zero, so later
turns' tokens may differ from a full recompute; see test/fixtures/models/README.md.)

Prints one JSON object on its last stdout line, the RunFigures of bench/benchFigures.ts:
  engine, loadMs, turns [{fedTokens, contextTokens, ttftMs, ttftCpuSeconds, tokenTimesMs, tokenIds}], peakRssMiB, cpuSeconds
Timing: append_tokens runs the prefill (the turn's ids through the model); the first generate_next_token
picks the first token from those logits, so TTFT = append_tokens + first generate_next_token. Every
generate_next_token is timed: tokenTimesMs[i] is when token i was there, from the turn's append_tokens.
A short warm-up generation runs first (not timed) so one-off kernel set-up does not count. Peak RSS is
the process's getrusage maxrss.

    .venv-models/bin/python bench/inference_genai_bench.py --model DIR --case-file CASE.json [--threads N] [--json]
    .venv-models/bin/python bench/inference_genai_bench.py --model DIR --prompt-tokens 256 [--new-tokens 64]
"""

import argparse
import json
import resource
import time

import numpy as np
import onnxruntime_genai as og


def cpu_seconds():
    """User plus system CPU time of this process: what the generation cost, whatever else the machine runs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_prompt(length):
    """Deterministic ordinary-vocabulary ids, used when no --case-file is given."""
    return [1000 + (i * 37) % 29000 for i in range(length)]


def load_model(folder, threads):
    config = og.Config(folder)
    if threads:
        config.overlay(json.dumps({"model": {"decoder": {"session_options": {
            "intra_op_num_threads": threads, "inter_op_num_threads": 1}}}}))
    return og.Model(config)


def run_case(model, turns, new_tokens):
    max_length = sum(len(t) for t in turns) + new_tokens * len(turns)
    params = og.GeneratorParams(model)
    params.set_search_options(do_sample=False, max_length=max_length, min_length=max_length)
    generator = og.Generator(model, params)
    figures = []
    context = 0
    for ids in turns:
        times = []
        tokens = []
        cpu_start = cpu_seconds()
        ttft_cpu = 0.0
        start = time.perf_counter()
        generator.append_tokens(np.asarray(ids, dtype=np.int32))
        for _ in range(new_tokens):
            generator.generate_next_token()
            times.append((time.perf_counter() - start) * 1000)
            if len(times) == 1:
                ttft_cpu = cpu_seconds() - cpu_start
            tokens.append(int(generator.get_next_tokens()[0]))
        figures.append({"fedTokens": len(ids), "contextTokens": context + len(ids), "ttftMs": times[0], "ttftCpuSeconds": ttft_cpu,
                        "tokenTimesMs": times, "tokenIds": tokens})
        context += len(ids) + new_tokens
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="an onnxruntime-genai model folder")
    parser.add_argument("--case-file", help='JSON {"turns": [[ids...]...], "newTokens": N}')
    parser.add_argument("--prompt-tokens", type=int, default=256, help="synthetic one-turn prompt without --case-file")
    parser.add_argument("--new-tokens", type=int, default=64, help="without --case-file")
    parser.add_argument("--threads", type=int, help="intra-op threads (default: genai's choice, half the logical cores)")
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args()

    if args.case_file:
        with open(args.case_file, encoding="utf-8") as f:
            case = json.load(f)
        turns = [[int(i) for i in t] for t in case["turns"]]
        new_tokens = int(case["newTokens"])
    else:
        turns = [synthetic_prompt(args.prompt_tokens)]
        new_tokens = args.new_tokens
    if new_tokens < 2:
        parser.error("at least 2 new tokens are needed to measure decoding")

    load_start = time.perf_counter()
    model = load_model(args.model, args.threads)
    load_ms = (time.perf_counter() - load_start) * 1000
    run_case(model, [turns[0][:8]], 4)  # warm-up

    cpu_before = cpu_seconds()
    turn_figures = run_case(model, turns, new_tokens)
    cpu_used = cpu_seconds() - cpu_before
    figures = {
        "engine": f"onnxruntime-genai {og.__version__} (Python)",
        "loadMs": load_ms,
        "turns": turn_figures,
        "peakRssMiB": peak_rss_mib(),
        "cpuSeconds": cpu_used,
    }
    if not args.json:
        for i, t in enumerate(turn_figures):
            steps = len(t["tokenTimesMs"]) - 1
            decode = steps * 1000 / (t["tokenTimesMs"][-1] - t["tokenTimesMs"][0])
            print(f"turn {i + 1}: fed {t['fedTokens']} tokens, TTFT {t['ttftMs']:.0f} ms, "
                  f"prefill {t['fedTokens'] * 1000 / t['ttftMs']:.1f} tok/s, decode {decode:.2f} tok/s")
        print(f"peak RSS {figures['peakRssMiB']:.0f} MiB, CPU {cpu_used:.2f} s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
