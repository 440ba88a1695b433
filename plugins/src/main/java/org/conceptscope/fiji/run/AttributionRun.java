package org.conceptscope.fiji.run;

import ij.ImagePlus;

import java.io.IOException;
import java.nio.file.Path;

import ij.gui.Roi;

import java.util.ArrayList;
import java.util.List;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.RegionExplainer;
import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.fiji.image.RegionTargets;
import org.conceptscope.fiji.write.ResultsTables;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.FloatTensor;
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
		String unused = unusedSelection(image, settings.rois());
		if (unused != null) ij.IJ.log("ConceptScope note: " + unused);
		SettingsChecks.noEarlierOutputs(settings.saveDir(), settings.overwrite(), AttributionOutputs.earlierFiles(image, settings, method.name()));
		try (Classifier opened = Models.open(settings.model())) {
			Classifier classifier = OutputOperators.choose(opened, settings.operator());
			int target = TargetClass.parse(settings.target(), classifier.classNames());
			method.checkRuns(classifier);
			method.checkInput(classifier, image.getHeight(), image.getWidth()); // a model of any size: the image's
			if (RegionTargets.any(settings.rois())) {
				String passes = regionPassesLine(CommandSpecs.ATTRIBUTION.title(), classifier, image.getHeight(), image.getWidth(),
					channelsRead(image, classifier), regions, RegionExplainer.Mode.parse(settings.region()), "", method, settings.overlap());
				if (passes != null && !regions.isEmpty()) ij.IJ.log(passes); // before the wait, as for the whole image
				return regions(classifier, image, regions, method, target, settings, progress);
			}
			if (TiledExplainer.needsTiles(classifier, image.getHeight(), image.getWidth())) {
				checkTiledMemory(image, classifier, settings); // before the tiles, not after
			}
			String passes = passesLine(classifier, image, method, settings.overlap(), progress);
			if (passes != null) ij.IJ.log(passes); // before the wait, as Concept Discovery says its crops
			Explanation e = Explainer.explain(classifier, image, method, target, AttributionOutputs.modelName(settings.model()), settings.overlap(), progress);
			AttributionResult result = AttributionOutputs.build(e, settings);
			return settings.saveDir() == null ? result : AttributionOutputs.save(result, settings.saveDir());
		}
	}

	/**
	 * The Log's line of the model passes the method will make on the image (every slice, every tile of
	 * an image larger than the model's input), or null for a method that does not declare them.
	 */
	static String passesLine(Classifier classifier, ImagePlus image, AttributionMethod method, double overlap) {
		return passesLine(classifier, image, method, overlap, Progress.NONE);
	}

	/**
	 * As {@link #passesLine(Classifier, ImagePlus, AttributionMethod, double)}, {@code progress} told while the slices are
	 * segmented to count Kernel SHAP's passes (and obeyed when it asks to stop); a slice its samples cannot fit is refused here.
	 */
	static String passesLine(Classifier classifier, ImagePlus image, AttributionMethod method, double overlap, Progress progress) {
		int h = image.getHeight(), w = image.getWidth(), images = ImagePlusTensors.batches(image).size();
		String title = CommandSpecs.ATTRIBUTION.title();
		org.conceptscope.util.Passes bound = TiledExplainer.needsTiles(classifier, h, w) ? null : method.passes(h, w, channelsRead(image, classifier));
		if (bound != null && bound.atMost()) {
			// each slice's own count (Kernel SHAP's superpixels), from the slices as the method gets them: their notes are the run's
			FloatTensor x = Models.notesSaidByCaller(() -> Models.checkedInput(image, classifier).tensor());
			return org.conceptscope.util.Passes.totalLine(title, images + " image" + (images == 1 ? "" : "s"), bound.detail()
				+ ", counted on each image's superpixels", method.passes(x, progress), bound.unit());
		}
		return passesLine(title, classifier, h, w, channelsRead(image, classifier), images, "", method, overlap);
	}

	/**
	 * The line of the passes on {@code images} images of {@code width x height} pixels, each of {@code channels} channels as the
	 * model reads them ("12 tiles of 3 images": the passes are per tile for images of another size than the model's input), or null for a method that does
	 * not declare them; {@code note} follows the count ("" or " (2 of 3 slices left; the others are done)").
	 *
	 * @param command the command's name in the line
	 */
	public static String passesLine(String command, Classifier classifier, int height, int width, int channels, long images, String note,
		AttributionMethod method, double overlap) {
		return passesLine(command, classifier, height, width, channels, images, 0, note, method, overlap);
	}

	/**
	 * As {@link #passesLine(String, Classifier, int, int, int, long, String, AttributionMethod, double)}, less {@code keptTiles}
	 * tiles whose maps an earlier run kept (a resumed batch part halted partway; {@code note} says so).
	 */
	public static String passesLine(String command, Classifier classifier, int height, int width, int channels, long images, long keptTiles,
		String note, AttributionMethod method, double overlap) {
		String counted = images + " image" + (images == 1 ? "" : "s") + note;
		long h = height, w = width, each = images;
		if (TiledExplainer.needsTiles(classifier, height, width)) {
			each = images * TiledExplainer.grid(classifier, height, width, overlap).count() - keptTiles;
			counted = each + " tile" + (each == 1 ? "" : "s") + " of " + counted;
			h = classifier.inputHeight(height);
			w = classifier.inputWidth(width);
		}
		org.conceptscope.util.Passes p = method.passes(h, w, channels);
		return p == null ? null : p.line(command, each, counted);
	}

	/**
	 * The Log's line of the passes made on ROIs explained alone ({@code rois=}): the method's passes on each model-size tile that
	 * explains a region (their number follows the regions' bounds, known before any pixel is read), or null for a method that does
	 * not declare them; {@code note} follows the count, as in {@link #passesLine(String, Classifier, int, int, int, long, String,
	 * AttributionMethod, double)}.
	 */
	public static String regionPassesLine(String command, Classifier classifier, int height, int width, int channels,
		List<RegionExplainer.Region> regions, RegionExplainer.Mode mode, String note, AttributionMethod method, double overlap) {
		org.conceptscope.tensor.TileGrid grid = TiledExplainer.grid(classifier, height, width, overlap);
		org.conceptscope.util.Passes p = method.passes(grid.tileHeight(), grid.tileWidth(), channels);
		if (p == null) return null;
		long tiles = 0;
		for (RegionExplainer.Region r : regions) tiles += RegionExplainer.tileCount(classifier, r, mode, height, width, overlap);
		// a stack's ROI without a position is one region per slice: counted as regions on so many slices, not as that many ROIs
		long slices = regions.stream().mapToInt(RegionExplainer.Region::image).distinct().count();
		String what = slices > 1 ? regions.size() + " region" + (regions.size() == 1 ? "" : "s") + " (ROIs on " + slices + " slices)"
			: regions.size() + " ROI" + (regions.size() == 1 ? "" : "s");
		return p.line(command, tiles, tiles + " tile" + (tiles == 1 ? "" : "s") + " of " + what + note);
	}

	/** The channels the model reads: a palette image given to a three-channel model is its three colours. */
	static int channelsRead(ImagePlus image, Classifier classifier) {
		return Models.channelsRead(classifier, Models.paletteNote(image, classifier) != null, ImagePlusTensors.channels(image));
	}

	/**
	 * The sentence for an area selection that the run does not use (rois=none explains the whole
	 * image), or null: a user who drew a rectangle on a large image and ran Attribution expects that
	 * region, and would otherwise wait for every tile of the image without a word about it.
	 * ConceptScope's own outlines (a result image's top fraction) are not the user's selection.
	 */
	static String unusedSelection(ImagePlus image, String rois) {
		if (image == null || RegionTargets.any(rois)) return null;
		Roi roi = image.getRoi();
		if (roi == null || !roi.isArea() || org.conceptscope.fiji.image.OwnRois.isOwn(roi)) return null;
		java.awt.Rectangle box = roi.getBounds();
		return org.conceptscope.fiji.param.CommandSpecs.ATTRIBUTION.title() + " explains the whole image '" + image.getTitle() + "' ("
			+ image.getWidth() + "x" + image.getHeight() + "), not its selection (" + box.width + "x" + box.height + " at " + box.x + "," + box.y
			+ "): rois=none is the whole image; use rois=selection to explain the selection alone, or crop to it first (Image > Crop).";
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
			// image= works in every path: Fiji's SciJava command, --run headless, and plain ImageJ's plugin (ConceptScope_)
			throw new IllegalArgumentException(what + ": open an image or stack first (File > Open), or give its file with the command's"
				+ " options, image=[<path of an image file>] (if you did, ImageJ could not read that file: check that it opens in ImageJ,"
				+ " or convert it to TIFF).");
		}
		ImagePlusTensors.check(image);
		ImagePlusTensors.checkMemory(image, true);
	}

	/**
	 * Heap bytes a tiled run over the whole image holds at its peak, all together (each part alone
	 * may fit while their sum does not): the normalised copy of a plane (a normalisation that takes
	 * statistics reads the whole slice), the batch of tiles in flight and their maps, the blended
	 * maps, the copies the outputs take of them, the result image (the image's channels as 32-bit
	 * planes and the map, or the map alone), the translucent overlay, the top-fraction ROI's work
	 * planes, the class map (a probability plane per class and the label image), and, with a display,
	 * what ImageJ takes to show the two. The user's image is already in memory and is not counted.
	 */
	static long tiledNeed(ImagePlus image, Classifier classifier, AttributionSettings settings) {
		long plane = (long) image.getWidth() * image.getHeight();
		int n = ImagePlusTensors.batches(image).size(), k = classifier.classNames().size();
		int c = classifier.signature() != null && classifier.signature().channels() > 0 ? (int) classifier.signature().channels()
			: ImagePlusTensors.channels(image);
		org.conceptscope.tensor.TileGrid grid = org.conceptscope.attribution.TiledExplainer.grid(classifier, image.getHeight(), image.getWidth(),
			settings.overlap());
		long tile = (long) grid.tileHeight() * grid.tileWidth();
		long batch = Math.max(1, classifier.preferredBatchSize());
		boolean pointwise = org.conceptscope.tensor.Normalization.pointwise(classifier.normalization(), ImagePlusTensors.typeMax(image));
		long input = pointwise && Models.paletteAsRgb(image, classifier) == image ? 0 : plane * c * 4; // one plane at a time
		long tiles = 2 * batch * tile * (c + 1L) * 4; // the batch of tiles and its maps, and as much again for the method's work
		long blended = n * plane * 4;
		long copies = n * plane * 4; // the maps as the result image's planes (Explanation.map copies)
		long result = settings.mapAsChannel() ? n * plane * ImagePlusTensors.channels(image) * 4L : 0;
		long overlay = settings.mapAsChannel() && settings.opacity() > 0 ? n * plane * 5 : 0; // 8-bit map, then RGB, per plane
		long rois = plane * (4 + 4 + 1); // per slice: the map again, its sorted copy, the mask
		long classMap = n * plane * (k + 1L) * 4;
		// Shown in ImageJ (not headless), each of the two composites takes an 8-bit plane per channel
		// and two RGB buffers of the plane for its display.
		int resultChannels = settings.mapAsChannel() ? ImagePlusTensors.channels(image) + 1 : 1;
		long display = java.awt.GraphicsEnvironment.isHeadless() ? 0 : plane * (resultChannels + 8 + (k + 1L) + 8);
		return input + tiles + blended + copies + result + overlay + rois + classMap + display;
	}

	/**
	 * Refuses, before any tile is explained, an image whose tiled run (everything it holds at once:
	 * {@link #tiledNeed}) the heap cannot hold, instead of failing out of memory at the end.
	 */
	static void checkTiledMemory(ImagePlus image, Classifier classifier, AttributionSettings settings) {
		long need = tiledNeed(image, classifier, settings);
		long left = org.conceptscope.util.Limits.heapLeft(need);
		if (need <= left) return;
		int n = ImagePlusTensors.batches(image).size();
		String what = "The image '" + image.getTitle() + "' (" + image.getWidth() + " x " + image.getHeight() + " pixels"
			+ (n > 1 ? ", " + n + " slices" : "") + ") needs about " + org.conceptscope.util.Limits.readableSize(need, left) + " to explain tile by tile (the map,"
			+ " the class map of " + (classifier.classNames().size() + 1) + " planes and the result image together), more than the "
			+ org.conceptscope.util.Limits.readableSize(left, need) + " ImageJ has free (of " + ImagePlusTensors.readableSize(Runtime.getRuntime().maxMemory()) + "): ";
		String remedy = n > 1
			? "explain it in parts with the batch runner (" + org.conceptscope.fiji.batch.BatchLauncher.COMMAND + " input=<stack> ...), take a substack,"
			: "crop it to the region to explain (Image > Crop), scale it down (Image > Scale...), run it with the batch runner"
				+ " (" + org.conceptscope.fiji.batch.BatchLauncher.COMMAND + " input=<image> ...),";
		throw new IllegalArgumentException(what + remedy + " or give ImageJ more memory (Edit > Options > Memory & Threads..., or -Xmx).");
	}
}
