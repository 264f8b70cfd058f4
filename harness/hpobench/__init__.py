"""Real HPOBench in its own virtual environment: setup, worker process, client.

The project's process never imports HPOBench: `llmhpo hpobench setup` builds an environment with
HPOBench's era of libraries, and `hpobench/...` benchmarks talk to a worker running there.
"""
