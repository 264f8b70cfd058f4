"""harness.campaign.stopping in-process, with real signals to this process (the CLI end to end: tests/faults/test_stop.py)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from llmhpo.harness.campaign import stopping
from llmhpo.harness.campaign.stopping import Abandoned, Stop


def test_a_signal_abandons_the_section_running_and_refuses_new_work():
    stop = Stop()
    before = signal.getsignal(signal.SIGTERM)
    with stop.installed():
        t0 = time.monotonic()
        with pytest.raises(Abandoned), stop.interruptible(starts_work=True):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)  # a blocking call (an LLM request, a serial evaluation) is cut short
        assert time.monotonic() - t0 < 2
        assert stop.requested and stop.signal_name == "SIGTERM"
        with pytest.raises(Abandoned), stop.interruptible(starts_work=True):
            pytest.fail("new work started after the stop")
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored


def test_outside_a_section_the_signal_only_sets_the_flag_and_a_second_one_exits():
    exits = []
    stop = Stop(hard_exit=lambda: exits.append("now"))
    with stop.installed():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # the handler runs: no exception here (journal writes are never cut)
        assert stop.requested and not exits
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
    assert exits == ["now"]


def test_a_tell_after_the_stop_gets_a_grace_then_is_abandoned(monkeypatch):
    monkeypatch.setattr(stopping, "GRACE_S", 0.3)
    stop = Stop()
    with stop.installed():
        stop.request("test")
        with stop.interruptible(starts_work=False):
            pass  # a quick tell of a finished trial completes
        t0 = time.monotonic()
        with pytest.raises(Abandoned), stop.interruptible(starts_work=False):
            time.sleep(10)  # a tell calling a slow LLM (llm-tpe narrowing)
        assert time.monotonic() - t0 < 2
