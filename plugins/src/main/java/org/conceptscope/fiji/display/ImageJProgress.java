package org.conceptscope.fiji.display;

import ij.IJ;

import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import org.conceptscope.util.Progress;

/**
 * Shows a long run in ImageJ's status line and progress bar (Fiji's too) and stops it when the
 * user presses Esc: ImageJ records the key in {@link IJ#escapePressed()}. Without an ImageJ window
 * ({@code ImageJ -batch}, a headless script) the status line and bar go nowhere, so a line goes to
 * standard error instead, by the batch runner's rule ({@link LogLineRule}: every tenth of the work
 * and at least every 30 seconds).
 */
public final class ImageJProgress implements Progress {

	private final String title;
	private final BooleanSupplier windowed;
	private final LongSupplier clock;
	private final Consumer<String> lineOut;
	private final LogLineRule rule = new LogLineRule();
	private boolean printed;

	/** Clears an earlier Esc, so a key pressed before the run does not cancel it. */
	public ImageJProgress(String title) {
		this(title, () -> IJ.getInstance() != null, System::nanoTime, line -> {
			System.err.println(line);
			System.err.flush();
		});
	}

	/**
	 * @param windowed whether ImageJ has a window (then only its status line and bar are used)
	 * @param clock nanoseconds, for the 30 seconds of {@link LogLineRule}
	 * @param lineOut where the lines go without a window
	 */
	ImageJProgress(String title, BooleanSupplier windowed, LongSupplier clock, Consumer<String> lineOut) {
		this.title = title;
		this.windowed = windowed;
		this.clock = clock;
		this.lineOut = lineOut;
		IJ.resetEscape();
	}

	@Override
	public boolean report(long done, long total, String message) {
		if (IJ.escapePressed()) {
			IJ.showProgress(1.0);
			IJ.showStatus(title + ": cancelled (Esc).");
			return false;
		}
		IJ.showStatus(title + ": " + message + " " + done + "/" + total + " (Esc cancels)");
		IJ.showProgress(total > 0 ? Math.min(1.0, (double) done / total) : 1.0);
		if (!windowed.getAsBoolean() && rule.due(done, total, clock.getAsLong())) {
			long percent = total > 0 ? Math.round(100.0 * Math.min(done, total) / total) : 100;
			lineOut.accept(String.format(Locale.ROOT, "%s: %3d%%  %d/%d %s", title, percent, done, total, message));
			printed = true;
		}
		return true;
	}

	/** Hides the bar and leaves a final status line (without a window: a last line, after progress lines). */
	public void finished(String status) {
		statusOnly(status);
		if (printed && !windowed.getAsBoolean()) lineOut.accept(title + ": " + status);
	}

	/**
	 * Hides the bar and leaves a final status line, and no line on the console: for a run whose last
	 * console line is already its result (a run that writes its result to the Log, which is standard
	 * output without a window) or its failure's sentence, which a closing line would say twice.
	 */
	public void statusOnly(String status) {
		IJ.showProgress(1.0);
		IJ.showStatus(title + ": " + status);
	}
}
