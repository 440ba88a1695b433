package org.conceptscope.fiji.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Without an ImageJ window, progress goes to lines: every tenth of the work and at least every 30 s; with one, no lines. */
class ImageJProgressLinesTest {

	private long now;

	@Test
	void withoutAWindowALinePerTenthOfTheWork() {
		List<String> lines = new ArrayList<>();
		ImageJProgress p = new ImageJProgress("Sobol", () -> false, () -> now, lines::add);
		for (int done = 0; done <= 200; done++) assertTrue(p.report(done, 200, "masks"));
		// done = 0, 20, 40, ..., 200: the first report and each new tenth, nothing in between
		assertEquals(11, lines.size(), lines.toString());
		assertEquals("Sobol:   0%  0/200 masks", lines.get(0));
		assertEquals("Sobol:  10%  20/200 masks", lines.get(1));
		assertEquals("Sobol: 100%  200/200 masks", lines.get(10));
		p.finished("done.");
		assertEquals("Sobol: done.", lines.get(11));
	}

	@Test
	void aSlowRunGetsALineEveryThirtySeconds() {
		List<String> lines = new ArrayList<>();
		ImageJProgress p = new ImageJProgress("Sobol", () -> false, () -> now, lines::add);
		now = 0;
		p.report(0, 1000, "masks"); // line 1
		now = 29_000_000_000L;
		p.report(1, 1000, "masks"); // same tenth, 29 s: no line
		assertEquals(1, lines.size());
		now = 30_000_000_000L;
		p.report(2, 1000, "masks"); // 30 s since the last line
		assertEquals(2, lines.size());
		assertEquals("Sobol:   0%  2/1000 masks", lines.get(1));
		now = 45_000_000_000L;
		p.report(3, 1000, "masks"); // 15 s after it: none
		assertEquals(2, lines.size());
		now = 60_000_000_000L;
		p.report(4, 1000, "masks");
		assertEquals(3, lines.size());
	}

	@Test
	void withAWindowNothingIsPrinted() {
		List<String> lines = new ArrayList<>();
		ImageJProgress p = new ImageJProgress("Sobol", () -> true, () -> now += 40_000_000_000L, lines::add);
		for (int done = 0; done <= 50; done++) p.report(done, 50, "masks");
		p.finished("done.");
		assertEquals(List.of(), lines);
	}

	@Test
	void theRuleItself() {
		LogLineRule rule = new LogLineRule();
		assertTrue(rule.due(0, 10, 0));
		assertTrue(!rule.due(0, 10, 1));
		assertTrue(rule.due(1, 10, 2), "a new tenth");
		assertTrue(!rule.due(1, 10, 29_999_999_999L));
		assertTrue(rule.due(1, 10, 30_000_000_002L), "30 s after the last line");
		assertTrue(rule.due(5, 0, 30_000_000_003L), "no total: counted as done, once");
		assertTrue(!rule.due(6, 0, 30_000_000_004L));
	}
}
