package org.conceptscope.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verified-bounds benchmark's smoke configuration: one CT image, every number measured, CROWN no wider than intervals. */
class VerifyBenchSmokeTest {

	@TempDir
	Path out;

	@Test
	void smokeRunTimesBoundsAndEva() throws IOException {
		VerifyBench.Report report = VerifyBench.run(new Bench.Options(Bench.Size.SMOKE, BenchSmokeTest.models(), out, out.resolve("models"), false),
			new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
		List<VerifyBench.Row> rows = report.rows();
		assertEquals(1, rows.size());
		VerifyBench.Row r = rows.get(0);
		assertEquals("ct-tissue", r.model());
		assertTrue(r.intervalMs() > 0 && r.crownMs() > 0 && r.evaIntervalMs() > 0 && r.evaCrownMs() > 0 && r.crownGmac() > 0, r.toString());
		assertTrue(r.crownWidth() <= r.intervalWidth(), r.toString());
		assertTrue(VerifyBench.table(rows).contains("| ct-tissue | 1 | 0.01 | 2 |"), VerifyBench.table(rows));
		assertEquals(1, report.training().size());
		assertTrue(report.training().get(0).msPerStep() > 0);
		assertTrue(report.training().get(0).architecture().startsWith("input 16x16x1; 2 conv block(s) [8, 16]"), report.training().toString());
	}
}
