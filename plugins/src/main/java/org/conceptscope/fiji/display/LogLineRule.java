package org.conceptscope.fiji.display;

/**
 * When a progress report without a live bar (a log file, a pipe, ImageJ without its window) gets a
 * line: at the first report, whenever another tenth of the work is done, and at least every
 * {@value #EVERY_SECONDS} seconds, so logs stay short yet a slow run is never silent for long. The
 * one rule for {@code ConsoleProgress} (batch) and {@link ImageJProgress} (headless ImageJ).
 */
public final class LogLineRule {

	/** The longest gap between two lines, in seconds. */
	public static final long EVERY_SECONDS = 30;
	private static final long EVERY_NANOS = EVERY_SECONDS * 1_000_000_000L;

	private long lastTenth = -1, lastLine;

	/** Whether the report of {@code done} of {@code total} at time {@code nowNanos} gets a line; if so, it is counted as printed. */
	public boolean due(long done, long total, long nowNanos) {
		long tenth = total > 0 ? done * 10 / total : 10;
		if (tenth != lastTenth || nowNanos - lastLine >= EVERY_NANOS) {
			lastTenth = tenth;
			lastLine = nowNanos;
			return true;
		}
		return false;
	}
}
