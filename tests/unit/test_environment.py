"""Which differences between two machines make stored timings useless, and the warnings."""

from __future__ import annotations

from perfkit.environment import compare_environments, hardware_differences, tuning_warnings

AMD = {"cpu_model_name": "AMD EPYC", "cpu_count": "2", "python_implementation": "cpython",
       "python_version": "3.11.7 (64-bit)", "platform": "Linux-6.18.44-fc-v1147", "hostname": "vm"}  # fmt: skip


def test_other_cpu_or_python_is_other_hardware_but_a_kernel_build_is_not():
    here = {**AMD, "cpu_model_name": "Intel(R) Xeon(R) Processor", "platform": "Linux-6.18.44-fc-v1300"}
    assert hardware_differences(AMD, here) == ["cpu_model_name 'AMD EPYC' vs 'Intel(R) Xeon(R) Processor'"]
    assert hardware_differences(AMD, {**AMD, "platform": "Linux-7"}) == []
    assert hardware_differences(AMD, {**AMD, "cpu_count": "4", "python_version": "3.12.1 (64-bit)"}) == [
        "cpu_count '2' vs '4'", "python_version '3.11.7 (64-bit)' vs '3.12.1 (64-bit)'"]  # fmt: skip


def test_a_baseline_that_does_not_say_is_not_called_different():
    assert hardware_differences({}, AMD) == [] and hardware_differences(AMD, {}) == []


def test_every_relevant_difference_is_named_and_an_untuned_system_is_warned_about():
    warnings = compare_environments(AMD, {**AMD, "platform": "Linux-7"})
    assert len(warnings) == 1 and "platform" in warnings[0] and "Linux-7" in warnings[0]
    told = " ".join(tuning_warnings({"aslr": "Full randomization", "load_avg_1min": "5", "cpu_count": "2"}))
    assert "ASLR" in told and "isolated" in told and "busy" in told
