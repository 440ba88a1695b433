package org.conceptscope.fiji.run;

import ij.ImagePlus;

import java.io.IOException;
import java.nio.file.Path;

import ij.gui.Roi;

import java.util.ArrayList;
import java.util.List;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.RegionExplainer;
import org.conceptscope.fiji.image.RegionTargets;
import org.conceptscope.fiji.write.ResultsTables;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.model.Classifier;
import org.conceptscope.util.Progress;

/**
 * The Attribution command, whichever way it is started (SciJava command, ImageJ 1.x plugin,
 * macro): check the inputs, load the model, explain every slice with one call into ops, build
 * the outputs and write them when a folder is given. The user's image is only read.
 */
public final class AttributionRun {

	private AttributionRun() {}

	/**
	 * @throws IllegalArgumentException for inputs a user can fix (the message says how)
	 * @throws org.conceptscope.model.ModelLoadException when the model folder cannot be loaded
	 * @throws java.util.concurrent.CancellationException when progress asks to stop (nothing is written)
	 */
	public static AttributionResult run(ImagePlus image, AttributionSettings settings, Progress progress) throws IOException {
		settings.validate();
		checkImage(image);
		// what needs no model is checked before it loads (a load takes seconds): the method's values, the ROIs
		AttributionMethod method = AttributionMethods.create(settings);
		List<RegionExplainer.Region> regions = RegionTargets.of(settings.rois(), image);
		try (Classifier opened = Models.open(settings.model())) {
			Classifier classifier = OutputOperators.choose(opened, settings.operator());
			int target = TargetClass.parse(settings.target(), classifier.classNames());
			method.checkRuns(classifier);
			if (RegionTargets.any(settings.rois())) return regions(classifier, image, regions, method, target, settings, progress);
			if (org.conceptscope.attribution.TiledExplainer.needsTiles(classifier, image.getHeight(), image.getWidth())) {
				org.conceptscope.fiji.write.ClassMapWriter.checkMemory(image, classifier.classNames().size()); // before the tiles, not after
			}
			Explanation e = Explainer.explain(classifier, image, method, target, modelName(settings.model()), settings.overlap(), progress);
			AttributionResult result = AttributionOutputs.build(e, settings);
			return settings.saveDir() == null ? result : AttributionOutputs.save(result, settings.saveDir());
		}
	}

	/** Each ROI of {@code rois} explained alone: the regions' maps (outlined), one table row per ROI. */
	private static AttributionResult regions(Classifier classifier, ImagePlus image, List<RegionExplainer.Region> regions,
		AttributionMethod method, int target, AttributionSettings settings, Progress progress) throws IOException {
		RegionExplanations.Result r = RegionExplanations.explain(classifier, image, regions, RegionExplainer.Mode.parse(settings.region()),
			method, target, settings.overlap(), progress);
		List<Roi> outlines = new ArrayList<>();
		for (Roi roi : r.maps().getOverlay().toArray()) outlines.add(roi);
		if (settings.calibrationBar()) AttributionOutputs.addCalibrationBar(r.maps());
		List<Path> written = new ArrayList<>();
		if (settings.saveDir() != null) written.addAll(RegionExplanations.save(r, settings.saveDir()));
		return new AttributionResult(null, r.maps(), outlines, ResultsTables.of(RegionExplanations.HEADER, r.rows()), written, null);
	}

	/** A missing image gets a message that says how to give one, before the model is loaded. */
	public static void checkImage(ImagePlus image) {
		if (image == null || image.getProcessor() == null) {
			// Headless SciJava fills a missing ImagePlus input with an empty one: the same case for the user.
			String title = image == null ? null : image.getTitle();
			String what = title == null || title.isBlank() ? "No image is open"
				: "The image '" + title + "' has no pixels (could ImageJ open it?)";
			throw new IllegalArgumentException(what + ": open an image or stack first (File > Open); headless, pass"
				+ " image=<path of an image file> (if you did, ImageJ could not read that file: check that it opens in ImageJ, or convert"
				+ " it to TIFF).");
		}
		ImagePlusTensors.check(image);
		ImagePlusTensors.checkMemory(image, true);
	}

	private static String modelName(Path model) {
		Path name = model.toAbsolutePath().normalize().getFileName();
		return name == null ? model.toString() : name.toString();
	}
}
