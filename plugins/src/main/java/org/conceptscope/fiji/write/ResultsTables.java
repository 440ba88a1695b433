package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.Explanation;
import ij.measure.ResultsTable;

import java.util.List;
import java.util.Set;

/**
 * The results CSV's rows as an ImageJ ResultsTable (same columns, same order), so what a user
 * sees in Fiji and what the CSV holds cannot drift apart.
 */
public final class ResultsTables {

	private static final Set<String> TEXT_COLUMNS = Set.of("label", "predicted", "target", "method");

	private ResultsTables() {}

	public static ResultsTable of(Explanation e) {
		ResultsTable rt = new ResultsTable();
		List<String> header = ResultsCsvWriter.header(e);
		for (List<String> row : ResultsCsvWriter.rows(e)) {
			rt.incrementCounter();
			for (int i = 0; i < header.size(); i++) {
				String column = header.get(i), value = row.get(i);
				if (TEXT_COLUMNS.contains(column)) rt.addValue(column, value);
				else rt.addValue(column, Double.parseDouble(value));
			}
		}
		rt.showRowNumbers(false);
		return rt;
	}

	/** Any table of text cells: numbers become numeric columns, anything else (labels, class names, blanks) stays text. */
	public static ResultsTable of(List<String> header, List<List<String>> rows) {
		ResultsTable rt = new ResultsTable();
		for (List<String> row : rows) {
			rt.incrementCounter();
			for (int i = 0; i < header.size(); i++) {
				String v = row.get(i);
				try {
					rt.addValue(header.get(i), Double.parseDouble(v));
				} catch (NumberFormatException e) {
					rt.addValue(header.get(i), v);
				}
			}
		}
		rt.showRowNumbers(false);
		return rt;
	}
}
