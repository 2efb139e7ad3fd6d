"""``vratnik bench faces`` quick run: every figure, with its unit, baseline and goal.
Speeds are reported, never asserted; the rates are checked in tests/edge/faces/."""

from __future__ import annotations

from sim.bench import registry


def test_quick_faces_benchmark_reports_every_figure() -> None:
    bench = registry.get("faces")
    assert "faces" in registry.names()
    figures = list(bench.func(**bench.quick_kwargs))
    by_name: dict[str, list[registry.Figure]] = {}
    for figure in figures:
        assert figure.bench == "faces"
        by_name.setdefault(figure.name, []).append(figure)
    assert set(by_name) == {"detect_ms", "preprocess_ms", "postprocess_ms", "detection_rate",
                            "false_positive_rate"}
    (detect,) = by_name["detect_ms"]
    assert detect.unit == "ms" and detect.value > 0
    assert detect.baseline is not None and detect.baseline > 0
    assert detect.baseline_name == "interpreter.invoke()"
    assert detect.params["faces"] == 1  # the astronaut
    assert detect.params["frames"] == 10
    assert detect.params["runtime"] in ("ai_edge_litert", "tflite_runtime")
    assert by_name["postprocess_ms"][0].params["anchors"] == 896
    for name, better in (("detection_rate", "higher"), ("false_positive_rate", "lower")):
        assert [f.params["framing"] for f in by_name[name]] == ["pad64", "resize128"]
        for figure in by_name[name]:
            assert figure.better == better and figure.unit == "fraction"
            assert 0.0 <= figure.value <= 1.0
            assert figure.goal is not None
            assert (figure.params["faces"], figure.params["non_faces"]) == (15, 15)
    text = detect.as_text()
    assert "vs interpreter.invoke()" in text
