package org.conceptscope.fiji.display;

import ij.IJ;

import org.conceptscope.util.Progress;

/**
 * Shows a long run in ImageJ's status line and progress bar (Fiji's too) and stops it when the
 * user presses Esc: ImageJ records the key in {@link IJ#escapePressed()}. Headless, the calls
 * are harmless no-ops apart from the escape check.
 */
public final class ImageJProgress implements Progress {

	private final String title;

	/** Clears an earlier Esc, so a key pressed before the run does not cancel it. */
	public ImageJProgress(String title) {
		this.title = title;
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
		return true;
	}

	/** Hides the bar and leaves a final status line. */
	public void finished(String status) {
		IJ.showProgress(1.0);
		IJ.showStatus(title + ": " + status);
	}
}
