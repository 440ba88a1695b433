package org.conceptscope.verify;

import java.util.Locale;

/** How verified bounds are computed: intervals (fast, loose) or CROWN linear bounds (slower, much tighter on trained CNNs). */
public enum BoundMethod {

	/** Interval bound propagation, with the dense-layer margin refinement. */
	INTERVAL,
	/** CROWN backward linear bounds, intersected with interval bounds wherever both exist. */
	CROWN;

	/** The lower-case name used in macros and tables. */
	public String key() {
		return name().toLowerCase(Locale.ROOT);
	}

	/** Parses "interval" or "crown" (any case). */
	public static BoundMethod parse(String s) {
		if (s != null) {
			for (BoundMethod b : values()) if (b.key().equals(s.trim().toLowerCase(Locale.ROOT))) return b;
		}
		throw new IllegalArgumentException("Unknown bounds '" + s + "': use bounds=interval (fast) or bounds=crown (tighter, slower).");
	}
}
