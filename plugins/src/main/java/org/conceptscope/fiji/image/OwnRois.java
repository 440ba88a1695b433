package org.conceptscope.fiji.image;

import ij.IJ;
import ij.gui.Roi;

import java.util.ArrayList;
import java.util.List;

/**
 * The mark on the ROIs ConceptScope puts in the ROI Manager (its results' outlines): the ROI
 * property {@code conceptscope=output}. ImageJ writes ROI properties into .roi files, so the mark
 * survives ROI Manager &gt; More &gt; Save and Open. {@code rois=manager} (and TCAV's concept ROIs
 * from the manager) leave marked ROIs out, so an earlier run's outlines are not explained as the
 * user's; a RoiSet.zip named by its path ({@code rois=[path]}) is explained whole, marked or not.
 */
public final class OwnRois {

	/** The property key and value of the mark. */
	public static final String PROPERTY = "conceptscope", VALUE = "output";

	private OwnRois() {}

	/** Marks a ROI as ConceptScope's own output (its properties may be shared with the ROI it was cloned from). */
	public static Roi mark(Roi roi) {
		roi.setProperty(PROPERTY, VALUE);
		return roi;
	}

	/** Whether ConceptScope put this ROI in the ROI Manager. */
	public static boolean isOwn(Roi roi) {
		return VALUE.equals(roi.getProperty(PROPERTY));
	}

	/**
	 * The ROI Manager's ROIs less those ConceptScope added; says in one Log line how many were left
	 * out and why.
	 *
	 * @param use what the ROIs are read for, for the sentences ("rois=manager")
	 * @param otherwise how else to use those outlines, for the refusal
	 * @throws IllegalArgumentException in one sentence when every ROI is ConceptScope's own
	 */
	public static List<Roi> usersOf(Roi[] manager, String use, String otherwise) {
		List<Roi> users = new ArrayList<>();
		int own = 0;
		for (Roi r : manager) {
			if (isOwn(r)) own++;
			else users.add(r);
		}
		if (own > 0 && users.isEmpty()) {
			throw new IllegalArgumentException(use + ": the ROI Manager holds only " + own + " ROI(s) that ConceptScope added itself (the outlines of"
				+ " earlier results, property " + PROPERTY + "=" + VALUE + "), which it leaves out: add your own ROIs to it, or " + otherwise + ".");
		}
		if (own > 0) {
			IJ.log("ConceptScope: " + use + " left out " + own + " of the ROI Manager's " + manager.length + " ROIs: ConceptScope added them itself"
				+ " (the outlines of earlier results, property " + PROPERTY + "=" + VALUE + "); it uses your " + users.size() + ".");
		}
		return users;
	}
}
