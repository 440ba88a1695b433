package org.conceptscope.fiji.commands;

import ij.measure.ResultsTable;

import java.util.List;
import java.util.function.Predicate;

/** A command's table (header and text rows, as in its CSV) as an ImageJ ResultsTable for display. */
final class Tables {

	private Tables() {}

	/** Numbers where a column holds numbers; the columns {@code text} accepts stay text. */
	static ResultsTable of(List<String> header, List<List<String>> rows, Predicate<String> text) {
		ResultsTable t = new ResultsTable();
		for (List<String> row : rows) {
			t.incrementCounter();
			for (int i = 0; i < header.size(); i++) {
				String h = header.get(i), v = row.get(i);
				if (text.test(h)) t.addValue(h, v);
				else t.addValue(h, Double.parseDouble(v));
			}
		}
		return t;
	}
}
