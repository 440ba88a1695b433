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

	/**
	 * A number as ConceptScope writes its cells ({@link Numbers#number}, {@link Integer#toString}): digits without a
	 * leading zero, a decimal part, Java's exponent; NaN and the infinities. Anything else is text, though
	 * {@link Double#parseDouble} would read it: a slice label "0001" (read as 1), a class "2d" or "3f" (Java's type
	 * suffixes), " 12" (trimmed), "1e3".
	 */
	private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern
		.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?(E-?[0-9]+)?|NaN|-?Infinity");

	/** Whether the cell is a number as ConceptScope writes one ({@link #NUMBER}); anything else is text. */
	public static boolean isNumber(String cell) {
		return cell != null && NUMBER.matcher(cell).matches();
	}

	/**
	 * Any table of text cells: a cell written as a number ({@link #NUMBER}) becomes a number, anything else (labels, class
	 * and concept names, blanks) stays text, as the CSV holds it, so Table.getString reads the CSV's text.
	 */
	public static ResultsTable of(List<String> header, List<List<String>> rows) {
		ResultsTable rt = new ResultsTable();
		for (List<String> row : rows) {
			rt.incrementCounter();
			for (int i = 0; i < header.size(); i++) {
				String v = row.get(i);
				if (isNumber(v)) rt.addValue(header.get(i), Double.parseDouble(v));
				else rt.addValue(header.get(i), v == null ? "" : v);
			}
		}
		rt.showRowNumbers(false);
		return rt;
	}
}
