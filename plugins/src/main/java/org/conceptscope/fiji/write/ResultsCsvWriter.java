package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.image.SliceLabels;

import static org.conceptscope.fiji.write.Numbers.number;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.attribution.Completeness;
import org.conceptscope.verify.Eva;

/**
 * Writes one CSV row per explained slice/frame: slice, frame, slice label, predicted class,
 * one probability column per class, target class, method, and the map's maximum and mean; for
 * EVA also the target's margin at the slice, verified lower and upper bounds of the float32
 * margin over the whole ball of inputs EVA verifies, the float32 rounding slack they include, and whether the
 * slice is verified robust ({@link #EVA_COLUMNS}); for Integrated Gradients the map's sum, the target logit's
 * change f(x) - f(x0) from the baseline, their gap and the relative gap, for Kernel SHAP the same of its
 * segment values' sum and the fully replaced image ({@link Completeness#COLUMNS}).
 * Numbers use '.' and Java's shortest exact float text whatever the locale; text is quoted
 * when it needs to be (RFC 4180). The file is written atomically.
 */
public final class ResultsCsvWriter {

	private ResultsCsvWriter() {}

	/**
	 * EVA's extra columns: margin (target logit minus the largest other) at the slice, verified
	 * bounds over the ball (rounded outward by the slack), the float32 rounding slack, and
	 * verified (1 when the lower bound is above 0, else 0).
	 */
	public static final List<String> EVA_COLUMNS = List.of("margin", "margin_lower_bound", "margin_upper_bound", "rounding_slack", "verified");

	public static List<String> header(Explanation e) {
		List<String> h = header(e.classNames());
		if (!Eva.verifiedMargins(e.attribution()).isEmpty()) h.addAll(EVA_COLUMNS);
		if (Completeness.claims(e.method())) h.addAll(Completeness.COLUMNS);
		return h;
	}

	/**
	 * The columns of a method's rows, before any is computed: EVA adds {@link #EVA_COLUMNS}, a method
	 * that satisfies completeness (Integrated Gradients, Kernel SHAP's efficiency) {@link Completeness#COLUMNS}.
	 */
	public static List<String> header(List<String> classNames, org.conceptscope.attribution.AttributionMethod method) {
		List<String> h = header(classNames);
		if (method instanceof Eva) h.addAll(EVA_COLUMNS);
		if (Completeness.claims(method.name())) h.addAll(Completeness.COLUMNS);
		return h;
	}

	/** The columns for a model's classes. */
	public static List<String> header(List<String> classNames) {
		List<String> h = new ArrayList<>(List.of("slice", "frame", "label", "predicted"));
		// Two classes of one name (a model's config may say so) still get a column each: p_x, p_x#2, ...
		java.util.Set<String> used = new java.util.HashSet<>();
		for (String c : classNames) {
			String column = "p_" + c;
			for (int k = 2; !used.add(column); k++) column = "p_" + c + "#" + k;
			h.add(column);
		}
		h.addAll(List.of("target", "method", "map_max", "map_mean"));
		return h;
	}

	public static List<List<String>> rows(Explanation e) {
		List<List<String>> rows = new ArrayList<>();
		List<Eva.VerifiedMargin> verified = Eva.verifiedMargins(e.attribution());
		boolean complete = Completeness.claims(e.method());
		List<Completeness.Check> checks = complete ? Completeness.of(e.attribution()) : List.of();
		for (int b = 0; b < e.size(); b++) {
			int slice = e.batches().slice(b), frame = e.batches().frame(b);
			List<String> row = new ArrayList<>();
			row.add(Integer.toString(slice));
			row.add(Integer.toString(frame));
			row.add(SliceLabels.of(e.image(), slice, frame));
			row.add(e.className(e.predicted(b)));
			for (int k = 0; k < e.classNames().size(); k++) row.add(number(e.probability(b, k)));
			row.add(e.className(e.target(b)));
			row.add(e.method());
			float[] map = e.map(b);
			row.add(number(max(map)));
			row.add(number((float) mean(map)));
			if (!verified.isEmpty()) {
				Eva.VerifiedMargin v = verified.get(b);
				row.addAll(List.of(number(v.margin()), number(v.lower()), number(v.upper()),
					number(v.roundingSlack()), v.verified() ? "1" : "0")); // numeric, as ImageJ tables and macros want
			}
			if (complete) {
				// NaN for a map blended from tiles: its tiles' sums are not the image's
				for (double v : (checks.isEmpty() ? Completeness.Check.NONE : checks.get(b)).columns()) row.add(number(v));
			}
			rows.add(row);
		}
		return rows;
	}

	public static void write(Explanation e, Path csv) throws IOException {
		write(header(e), rows(e), csv);
	}

	/** Any table as an RFC 4180 CSV file in UTF-8, written atomically. */
	public static void write(List<String> header, List<List<String>> rows, Path csv) throws IOException {
		StringBuilder text = new StringBuilder();
		appendLine(text, header);
		for (List<String> row : rows) appendLine(text, row);
		AtomicFiles.write(csv, out -> {
			Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
			w.write(text.toString());
			w.flush();
		});
	}

	/** Quotes a field when it holds a comma, quote or line break. */
	static String escape(String field) {
		if (field == null) return "";
		if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0 && field.indexOf('\r') < 0) return field;
		return '"' + field.replace("\"", "\"\"") + '"';
	}

	public static void appendLine(StringBuilder text, List<String> fields) {
		for (int i = 0; i < fields.size(); i++) {
			if (i > 0) text.append(',');
			text.append(escape(fields.get(i)));
		}
		text.append('\n');
	}


	static float max(float[] map) {
		float m = Float.NEGATIVE_INFINITY;
		for (float v : map) m = Math.max(m, v);
		return m;
	}

	static double mean(float[] map) {
		double s = 0;
		for (float v : map) s += v;
		return map.length == 0 ? Double.NaN : s / map.length;
	}
}
