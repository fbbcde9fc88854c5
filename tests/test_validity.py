"""Every kind of file the tool writes is well-formed PDF by an independent reader: qpdf
(Debian's qpdf, installed by .ci/run) checks the cross-reference table, every object and
every stream's encoding."""

from __future__ import annotations

import subprocess

import pytest

from brochure.summaries import render_summary

from .test_candidacy import BASE


def _qpdf_check(path) -> subprocess.CompletedProcess:
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)


def test_every_built_brochure_file_passes_qpdf(built):
    files = sorted((built / "knee-stem-cell").glob("*.pdf"))
    assert len(files) == 12
    for path in files:
        result = _qpdf_check(path)
        assert result.returncode == 0, f"{path.name}: {result.stdout}{result.stderr}"
        assert "No syntax or stream encoding errors found" in result.stdout


@pytest.mark.parametrize("kind", ["summary", "packet", "encrypted packet"])
def test_summaries_and_packets_pass_qpdf(kind, tmp_path):
    pdf = render_summary(BASE, with_brochure=kind != "summary",
                         password="s3cret" if kind == "encrypted packet" else None)
    path = tmp_path / "file.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["qpdf", "--check", "--password=s3cret", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout
