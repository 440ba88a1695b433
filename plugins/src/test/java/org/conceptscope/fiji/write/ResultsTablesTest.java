package org.conceptscope.fiji.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.measure.ResultsTable;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * A command's table holds its CSV's cells: numbers as numbers (Table.get reads each exactly), text as the CSV's text
 * (Table.getString reads it unchanged), however a text looks to Double.parseDouble.
 */
class ResultsTablesTest {

	@Test
	void textThatJavaWouldParseStaysTheCsvsText() {
		List<String> header = List.of("label", "predicted", "concept", "x");
		// a slice label of an image sequence, classes named like Java's number suffixes, a concept folder "01", a padded label
		ResultsTable t = ResultsTables.of(header, List.of(List.of("0001", "2d", "01", "0.5"), List.of(" 12", "3f", "1e3", "-1.0E-5"),
			List.of("12", "cat", "all", "NaN")));
		assertEquals(3, t.size());
		assertEquals("0001", t.getStringValue("label", 0));
		assertEquals("2d", t.getStringValue("predicted", 0));
		assertEquals("01", t.getStringValue("concept", 0));
		assertEquals(" 12", t.getStringValue("label", 1));
		assertEquals("3f", t.getStringValue("predicted", 1));
		assertEquals("1e3", t.getStringValue("concept", 1));
		assertEquals("cat", t.getStringValue("predicted", 2));
		assertEquals("all", t.getStringValue("concept", 2));
		// numbers as ConceptScope writes them are numbers
		assertEquals(0.5, t.getValue("x", 0), 0);
		assertEquals(-1.0E-5, t.getValue("x", 1), 0);
		assertTrue(Double.isNaN(t.getValue("x", 2)));
		assertEquals(12, t.getValue("label", 2), 0);
		assertFalse(t.showRowNumbers(), "no row-number column: the CSV's columns only");
	}

	@Test
	void everyNumberWrittenIsANumberReadExactly() {
		SplittableRandom random = new SplittableRandom(23);
		List<List<String>> rows = new ArrayList<>();
		List<Double> values = new ArrayList<>();
		for (int i = 0; i < 20_000; i++) {
			double d = switch (i % 4) {
				case 0 -> Double.longBitsToDouble(random.nextLong());
				case 1 -> Float.intBitsToFloat(random.nextInt());
				case 2 -> random.nextInt(-100_000, 100_000);
				default -> random.nextDouble() * Math.pow(10, random.nextInt(-12, 12));
			};
			if (Double.isNaN(d)) continue;
			values.add(d);
			rows.add(List.of(i % 4 == 2 ? Integer.toString((int) d) : Numbers.number(d)));
		}
		rows.add(List.of(Numbers.number(Double.POSITIVE_INFINITY)));
		values.add(Double.POSITIVE_INFINITY);
		rows.add(List.of(Numbers.number(Double.NEGATIVE_INFINITY)));
		values.add(Double.NEGATIVE_INFINITY);
		ResultsTable t = ResultsTables.of(List.of("v"), rows);
		for (int r = 0; r < rows.size(); r++) {
			String text = rows.get(r).get(0);
			// a number cell, not a text cell ImageJ would parse on reading
			assertTrue(ResultsTables.isNumber(text), text);
			assertEquals(Double.parseDouble(text), t.getValue("v", r), 0, text);
		}
	}
}
