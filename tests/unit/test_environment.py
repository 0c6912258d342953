"""Which differences between two machines make stored timings useless, and the warnings."""

from __future__ import annotations

from perfkit.measure.environment import compare_environments, hardware_differences, tuning_warnings

AMD = {
    "cpu_model_name": "AMD EPYC",
    "cpu_count": "2",
    "python_implementation": "cpython",
    "python_version": "3.11.7 (64-bit)",
    "platform": "Linux-6.18.44-fc-v1147",
    "hostname": "vm",
}


def test_other_cpu_or_python_is_other_hardware_but_a_kernel_build_is_not():
    here = {
        **AMD,
        "cpu_model_name": "Intel(R) Xeon(R) Processor",
        "platform": "Linux-6.18.44-fc-v1300",
    }
    assert hardware_differences(AMD, here) == [
        "cpu_model_name 'AMD EPYC' vs 'Intel(R) Xeon(R) Processor'"
    ]
    assert hardware_differences(AMD, {**AMD, "platform": "Linux-7"}) == []
    assert hardware_differences(
        AMD, {**AMD, "cpu_count": "4", "python_version": "3.12.1 (64-bit)"}
    ) == ["cpu_count '2' vs '4'", "python_version '3.11.7 (64-bit)' vs '3.12.1 (64-bit)'"]


def test_a_baseline_that_does_not_say_is_not_called_different():
    assert hardware_differences({}, AMD) == [] and hardware_differences(AMD, {}) == []


def test_every_relevant_difference_is_named_and_an_untuned_system_is_warned_about():
    warnings = compare_environments(AMD, {**AMD, "platform": "Linux-7"})
    assert len(warnings) == 1 and "platform" in warnings[0] and "Linux-7" in warnings[0]
    told = " ".join(
        tuning_warnings({"aslr": "Full randomization", "load_avg_1min": "5", "cpu_count": "2"})
    )
    assert "ASLR" in told and "isolated" in told and "busy" in told


def test_without_pyperfs_private_module_the_essentials_still_come(monkeypatch):
    """pyperf's metadata collector is private: another pyperf must not break perfkit, and
    the fallback must agree with it on what decides whether timings are comparable."""
    import builtins

    from perfkit.measure import environment

    rich = environment.collect()
    real_import = builtins.__import__

    def no_private(name, *args, **kwargs):
        if name == "pyperf._collect_metadata":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_private)
    basic = environment.collect()
    for key in environment.HARDWARE:
        assert basic[key] == rich[key], key


def test_profile_driver_calls_the_body_with_asv_runners_arguments(tmp_path, monkeypatch):
    """The driver's adapter for asv_runner's private _build_params gives the same
    arguments with and without it (setup_cache's value first, then the parameters)."""
    from asv_runner.discovery import disc_benchmarks

    from perfkit.profile.driver import call_args

    suite = tmp_path / "driver_adapter_suite"  # not "benchmarks": this process may import ours
    suite.mkdir()
    (suite / "__init__.py").write_text("")
    (suite / "bench_p.py").write_text(
        "class P:\n    params = [[1, 2], ['a', 'b']]\n    param_names = ['n', 's']\n"
        "    def setup_cache(self):\n        return 'cached'\n"
        "    def time_p(self, cache, n, s):\n        pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))  # the driver puts the suite's parent on the path
    (bench,) = [b for b in disc_benchmarks(str(suite)) if b.name.endswith("time_p")]
    bench.set_param_idx(3)
    bench.set_cache("cached")
    assert call_args(bench) == bench._build_params() == ("cached", 2, "b")

    class WithoutPrivateApi:  # what a later asv_runner without _build_params would look like
        _current_cache, _current_params = bench._current_cache, bench._current_params

    assert call_args(WithoutPrivateApi()) == ("cached", 2, "b")
