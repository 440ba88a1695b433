package org.conceptscope.fiji.ij1;

import static org.conceptscope.fiji.commands.AttributionSettings.*;

import ij.Prefs;
import ij.gui.GenericDialog;

import java.nio.file.Path;

import org.conceptscope.fiji.commands.AttributionMethods;
import org.conceptscope.fiji.commands.AttributionSettings;

/**
 * The interactive Attribution dialog of the ImageJ 1.x plugin. Every label is its macro key, so
 * ImageJ's recorder writes {@code run("Attribution...", "model=[...] method=...")} with the same
 * keys the macro parser and the SciJava command use. Only the model folder is remembered
 * between dialogs; macros always state what they use.
 */
final class AttributionDialog {

	private static final String LAST_MODEL = "conceptscope.model";

	private AttributionDialog() {}

	/** The settings the user chose, or null when the dialog was cancelled. */
	static AttributionSettings ask() {
		GenericDialog gd = new GenericDialog("ConceptScope Attribution");
		gd.addDirectoryField(MODEL, Prefs.get(LAST_MODEL, ""), 40);
		gd.addChoice(METHOD, AttributionMethods.NAMES.toArray(new String[0]), DEFAULT_METHOD);
		gd.addStringField(TARGET, PREDICTED, 20);
		gd.addMessage("Method parameters (each method uses its own; samples 0 = the method's default):");
		gd.addNumericField(STEPS, DEFAULT_STEPS, 0, 6, "integrated_gradients");
		gd.addNumericField(BASELINE, DEFAULT_BASELINE, 2, 6, "integrated_gradients, occlusion");
		gd.addNumericField(SAMPLES, DEFAULT_SAMPLES, 0, 6, "smoothgrad, vargrad, squaregrad, rise, hsic, lime, kernel_shap");
		gd.addNumericField(NOISE, DEFAULT_NOISE, 2, 6, "smoothgrad, vargrad, squaregrad");
		gd.addNumericField(SEED, DEFAULT_SEED, 0, 10, "random methods");
		gd.addStringField(LAYER, DEFAULT_LAYER, 20);
		gd.addNumericField(PATCH, DEFAULT_PATCH, 0, 6, "occlusion");
		gd.addNumericField(STRIDE, DEFAULT_STRIDE, 0, 6, "occlusion");
		gd.addNumericField(GRID, DEFAULT_GRID, 0, 6, "rise, sobol, hsic, eva, lime, kernel_shap");
		gd.addNumericField(DESIGNS, DEFAULT_DESIGNS, 0, 6, "sobol");
		gd.addNumericField(KEEP_PROBABILITY, DEFAULT_KEEP_PROBABILITY, 2, 6, "rise, lime");
		gd.addNumericField(BLUR_SIGMA, DEFAULT_BLUR_SIGMA, 2, 6, "sobol, hsic, lime, kernel_shap");
		gd.addCheckbox(PER_CHANNEL, DEFAULT_PER_CHANNEL);
		gd.addChoice(SEGMENTS, SEGMENT_CHOICES.toArray(new String[0]), DEFAULT_SEGMENTS);
		gd.addNumericField(SUPERPIXELS, DEFAULT_SUPERPIXELS, 0, 6, "lime, kernel_shap with segments=slic");
		gd.addCheckbox(FORGRAD, DEFAULT_FORGRAD);
		gd.addNumericField(FORGRAD_BANDWIDTH, DEFAULT_FORGRAD_BANDWIDTH, 0, 6, "0: 15 at 224 pixels, scaled");
		gd.addNumericField(EPSILON, DEFAULT_EPSILON, 4, 8, "eva, normalised input units");
		gd.addChoice(BOUNDS, BOUND_CHOICES.toArray(new String[0]), DEFAULT_BOUNDS);
		gd.addChoice(OUTPUT, OUTPUTS.toArray(new String[0]), DEFAULT_OUTPUT);
		gd.addNumericField(TOP_FRACTION, DEFAULT_TOP_FRACTION, 2, 6, "of each map outlined as ROI");
		gd.addNumericField(OVERLAP, DEFAULT_OVERLAP, 2, 6, "of a tile, images larger than the model input");
		gd.addNumericField(OPACITY, DEFAULT_OPACITY, 2, 6, "of the heat map over the image (output=channel)");
		gd.addDirectoryField(SAVE_DIR, "", 40);
		gd.showDialog();
		if (gd.wasCanceled()) return null;
		String model = gd.getNextString().trim();
		Prefs.set(LAST_MODEL, model);
		AttributionSettings s = new AttributionSettings()
			.model(model.isEmpty() ? null : Path.of(model))
			.method(gd.getNextChoice())
			.target(gd.getNextString())
			.steps((int) gd.getNextNumber())
			.baseline(gd.getNextNumber())
			.samples((int) gd.getNextNumber())
			.noise(gd.getNextNumber())
			.seed((long) gd.getNextNumber())
			.layer(gd.getNextString())
			.patch((int) gd.getNextNumber())
			.stride((int) gd.getNextNumber())
			.grid((int) gd.getNextNumber())
			.designs((int) gd.getNextNumber())
			.keepProbability(gd.getNextNumber())
			.blurSigma(gd.getNextNumber());
		s.perChannel(gd.getNextBoolean());
		s.segments(gd.getNextChoice());
		s.superpixels((int) gd.getNextNumber());
		s.forgrad(gd.getNextBoolean());
		s.forgradBandwidth((int) gd.getNextNumber());
		s.epsilon(gd.getNextNumber());
		s.bounds(gd.getNextChoice());
		s.output(gd.getNextChoice());
		s.topFraction(gd.getNextNumber());
		s.overlap(gd.getNextNumber());
		s.opacity(gd.getNextNumber());
		String saveDir = gd.getNextString().trim();
		Dialogs.checkNumbers(gd);
		return s.saveDir(saveDir.isEmpty() ? null : Path.of(saveDir));
	}
}
