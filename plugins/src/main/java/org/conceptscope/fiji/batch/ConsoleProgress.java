package org.conceptscope.fiji.batch;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.BooleanSupplier;

import org.conceptscope.fiji.display.LogLineRule;
import org.conceptscope.util.Progress;

/**
 * A progress bar on the console, for runs without Fiji. On a terminal it is redrawn in place at
 * most ten times a second; written to a file or a pipe (a cluster job's log) it prints one line
 * per tenth of the work or per 30 seconds, whichever comes first ({@link LogLineRule}), so logs stay short. Rate and
 * time left count only the work of this run (a resumed run starts with parts already done). Public for the
 * other runners of the project (Spark's cohort concept job), so that their logs read as the batch runner's.
 */
public final class ConsoleProgress implements Progress {

	private static final int WIDTH = 30;
	private static final long REDRAW_NANOS = 100_000_000L;

	private final PrintStream out;
	private final boolean terminal;
	private final BooleanSupplier stop;
	private final LogLineRule lines = new LogLineRule();
	private long start, firstDone = -1, lastDrawn, lastDone = -1, lastTotal;
	private String lastMessage = "slices";
	private boolean barShown;

	/** @param stop when it turns true, {@link #report} answers false and the run stops */
	public ConsoleProgress(PrintStream out, boolean terminal, BooleanSupplier stop) {
		this.out = out;
		this.terminal = terminal;
		this.stop = stop;
	}

	@Override
	public boolean report(long done, long total, String message) {
		long now = System.nanoTime();
		if (firstDone < 0) {
			firstDone = done;
			start = now;
		}
		boolean last = done >= total;
		if (terminal) {
			if (last || now - lastDrawn >= REDRAW_NANOS || lastDone < 0) draw(done, total, message, now);
		} else {
			if (lines.due(done, total, now)) draw(done, total, message, now);
		}
		return !stop.getAsBoolean();
	}

	/** Prints a line of its own, keeping the bar below it on a terminal. */
	public void message(String line) {
		if (terminal && barShown) out.print("\r" + " ".repeat(WIDTH + 60) + "\r");
		out.println(line);
		if (terminal && barShown && lastDone >= 0) {
			out.print(text(lastDone, lastTotal, lastMessage, System.nanoTime()));
			out.flush();
		}
	}

	/** Ends the bar's line. */
	public void finish() {
		if (terminal && barShown) out.println();
		barShown = false;
		out.flush();
	}

	private void draw(long done, long total, String message, long now) {
		lastDrawn = now;
		lastDone = done;
		lastTotal = total;
		lastMessage = message;
		String text = text(done, total, message, now);
		if (terminal) {
			out.print("\r" + text);
			barShown = true;
		} else {
			out.println(text);
		}
		out.flush();
	}

	private String text(long done, long total, String message, long now) {
		double fraction = total > 0 ? Math.min(1, (double) done / total) : 1;
		int filled = (int) Math.round(fraction * WIDTH);
		StringBuilder s = new StringBuilder("[").append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
		s.append(String.format(Locale.ROOT, "%3d%%  %d/%d %s", Math.round(fraction * 100), done, total, message));
		double seconds = (now - start) / 1e9;
		long thisRun = done - Math.max(0, firstDone);
		if (thisRun > 0 && seconds > 0) {
			double rate = thisRun / seconds;
			s.append(String.format(Locale.ROOT, "  %.1f/s", rate));
			if (done < total) s.append("  ETA ").append(duration((total - done) / rate));
		}
		return s.toString();
	}

	static String duration(double seconds) {
		long t = Math.round(seconds);
		return t >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
			: String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
	}
}
