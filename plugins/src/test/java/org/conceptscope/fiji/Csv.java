package org.conceptscope.fiji;

import java.util.ArrayList;
import java.util.List;

/** A small RFC 4180 reader, so tests read the CSV the way spreadsheet tools do. */
public final class Csv {

	private Csv() {}

	public static List<List<String>> parse(String text) {
		List<List<String>> rows = new ArrayList<>();
		List<String> row = new ArrayList<>();
		StringBuilder field = new StringBuilder();
		boolean quoted = false;
		for (int i = 0; i < text.length(); i++) {
			char ch = text.charAt(i);
			if (quoted) {
				if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
					field.append('"');
					i++;
				} else if (ch == '"') {
					quoted = false;
				} else {
					field.append(ch);
				}
			} else if (ch == '"') {
				quoted = true;
			} else if (ch == ',') {
				row.add(field.toString());
				field.setLength(0);
			} else if (ch == '\n') {
				row.add(field.toString());
				field.setLength(0);
				rows.add(row);
				row = new ArrayList<>();
			} else if (ch != '\r') {
				field.append(ch);
			}
		}
		if (field.length() > 0 || !row.isEmpty()) {
			row.add(field.toString());
			rows.add(row);
		}
		return rows;
	}
}
