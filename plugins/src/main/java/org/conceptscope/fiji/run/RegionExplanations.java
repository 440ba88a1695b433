package org.conceptscope.fiji.run;

import org.conceptscope.fiji.write.Numbers;
import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.ImagePlusTiles;
import org.conceptscope.fiji.image.RoiPositions;
import org.conceptscope.fiji.image.SliceLabels;
import org.conceptscope.fiji.write.MapLuts;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import ij.ImagePlus;
import ij.ImageStack;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.FloatProcessor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.RegionExplainer;
import org.conceptscope.attribution.RegionExplainer.Mode;
import org.conceptscope.attribution.RegionExplainer.Region;
import org.conceptscope.model.Classifier;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * Explains regions (ROIs) of an ImageJ image one by one ({@link RegionExplainer}): one table row per
 * region, and one map image of the image's size (slices and frames as the image) holding each
 * region's map where it was explained (NaN elsewhere; where regions' areas overlap, their mean),
 * with the regions outlined as an overlay. The user's image is only read.
 */
public final class RegionExplanations {

	/** The table's columns. */
	public static final List<String> HEADER = List.of("roi", "slice", "frame", "x", "y", "width", "height", "mode", "tiles", "predicted",
		"p_predicted", "target", "p_target", "map_mean_in_roi");

	/** The map image, the table, and each region's own result. */
	public record Result(ImagePlus maps, List<List<String>> rows, List<RegionExplainer.Result> regions) {}

	private RegionExplanations() {}

	/** What every plane of a region map shows, the Attribution command's and the batch runner's, after its slice's label. */
	public static String planeLabel(String method) {
		return method + " of regions";
	}

	/**
	 * @param target a class index or {@link AttributionMethod#PREDICTED} (each region's own predicted class)
	 * @throws CancellationException when progress asks to stop
	 */
	public static Result explain(Classifier classifier, ImagePlus image, List<Region> regions, Mode mode, AttributionMethod method,
		int target, double overlap, Progress progress) {
		Explained e = explainEach(classifier, image, regions, mode, method, target, overlap, progress);
		BatchIndex batches = ImagePlusTensors.batches(image);
		int w = image.getWidth(), h = image.getHeight();
		List<RegionExplainer.Result> results = e.results();
		ImageStack stack = new ImageStack(w, h);
		double[] range = null;
		for (int b = 0; b < batches.size(); b++) {
			float[] plane = plane(results, b, w, h);
			range = HeatmapWriter.widen(range, plane);
			String label = SliceLabels.mapLabel(SliceLabels.shortLabel(image, batches, b), planeLabel(method.name()));
			stack.addSlice(label, new FloatProcessor(w, h, plane));
		}
		ImagePlus maps = new ImagePlus(title(image, method.name()), stack);
		maps.setDimensions(1, batches.slices(), batches.frames());
		maps.setOpenAsHyperStack(batches.size() > 1);
		range = HeatmapWriter.shown(range); // the planes' finite values: the slices without a region (all NaN) do not set it
		maps.getProcessor().setLut(MapLuts.forMap(method.name(), range[0], range[1]));
		double[] shown = MapLuts.range(range[0], range[1], MapLuts.signed(method.name(), range[0], range[1]));
		maps.setDisplayRange(shown[0], shown[1]);
		maps.setCalibration(HeatmapWriter.spatialCalibration(image));
		Overlay outlines = new Overlay();
		for (Region region : regions) {
			Roi roi = outline(region);
			// a plain stack (slices or frames only) takes ROIs by stack index, a hyperstack by (c, z, t)
			if (batches.size() > 1) RoiPositions.place(roi, maps, 0, batches.slice(region.image()), batches.frame(region.image()));
			outlines.add(roi);
		}
		maps.setOverlay(outlines);
		return new Result(maps, e.rows(), results);
	}

	/** Each region's explanation and table row, in the order of the regions. */
	public record Explained(List<List<String>> rows, List<RegionExplainer.Result> results) {}

	/**
	 * Each region explained alone, with the tiles of {@code image} (its batch entries numbered as in
	 * the whole image, so a random method draws what a run on the whole image draws): the table rows
	 * (slice and frame of {@code image}) and the results; no map image is made.
	 *
	 * @throws CancellationException when progress asks to stop
	 */
	public static Explained explainEach(Classifier classifier, ImagePlus image, List<Region> regions, Mode mode, AttributionMethod method,
		int target, double overlap, Progress progress) {
		return explainEach(classifier, image, regions, mode, method, target, overlap, progress, true);
	}

	/**
	 * {@link #explainEach(Classifier, ImagePlus, List, Mode, AttributionMethod, int, double, Progress)}; {@code warn} false: the
	 * image's warnings (pixel size, domain, cast, channel names) are the caller's (the batch runner checks each file once).
	 */
	public static Explained explainEach(Classifier classifier, ImagePlus image, List<Region> regions, Mode mode, AttributionMethod method,
		int target, double overlap, Progress progress, boolean warn) {
		if (regions.isEmpty()) throw new IllegalArgumentException("No region to explain.");
		Progress p = progress == null ? Progress.NONE : progress;
		if (warn) Models.warnPixelSize(image, classifier);
		ImagePlus read = Models.paletteAsRgb(image, classifier);
		Models.checkChannels(read, classifier, null); // in ImageJ's words (C, Z, T), before any tile
		if (warn) Models.warnDomain(read, classifier);
		ImagePlusTiles source = new ImagePlusTiles(read);
		BatchIndex batches = ImagePlusTensors.batches(image);
		List<List<String>> rows = new ArrayList<>();
		List<RegionExplainer.Result> results = new ArrayList<>();
		List<String> names = classifier.classNames();
		for (int i = 0; i < regions.size(); i++) {
			Region region = regions.get(i);
			int done = i, all = regions.size();
			Progress within = (d, t, msg) -> p.report(done * 1000L + (t > 0 ? d * 1000 / t : 0), all * 1000L, "region " + (done + 1) + " of " + all);
			RegionExplainer.Result r = RegionExplainer.explain(classifier, source, region, mode, method, target, overlap, within);
			results.add(r);
			int b = region.image();
			float[] pr = r.probabilities();
			rows.add(List.of(region.name(), Integer.toString(batches.slice(b)), Integer.toString(batches.frame(b)), Integer.toString(region.x()),
				Integer.toString(region.y()), Integer.toString(region.width()), Integer.toString(region.height()), mode.key(),
				Integer.toString(r.tiles()), names.get(r.predicted()), Numbers.number(pr[r.predicted()]), names.get(r.target()),
				Numbers.number(pr[r.target()]), Numbers.number(r.meanInside())));
			if (!p.report((i + 1) * 1000L, all * 1000L, "regions explained")) throw new CancellationException("Stopped after " + (i + 1) + " regions.");
		}
		return new Explained(rows, results);
	}

	/**
	 * The map plane of batch entry {@code entry} (width x height, row by row): each region's map on
	 * that entry where it was explained, their mean where regions overlap, NaN elsewhere.
	 */
	public static float[] plane(List<RegionExplainer.Result> results, int entry, int w, int h) {
		float[] sum = new float[w * h], count = new float[w * h];
		for (RegionExplainer.Result r : results) {
			if (r.region().image() != entry) continue;
			int mh = (int) r.map().dim(0), mw = (int) r.map().dim(1);
			float[] data = r.map().data();
			for (int yy = 0; yy < mh; yy++) {
				for (int xx = 0; xx < mw; xx++) {
					float v = data[yy * mw + xx];
					int x = r.x() + xx, y = r.y() + yy;
					if (Float.isNaN(v) || x < 0 || y < 0 || x >= w || y >= h) continue;
					sum[y * w + x] += v;
					count[y * w + x]++;
				}
			}
		}
		float[] plane = new float[w * h];
		Arrays.fill(plane, Float.NaN);
		for (int j = 0; j < plane.length; j++) if (count[j] > 0) plane[j] = sum[j] / count[j];
		return plane;
	}

	/** A region's outline as a ROI (its mask traced, or its box). */
	public static Roi outline(Region region) {
		Roi roi;
		boolean[] mask = region.mask();
		if (mask == null) {
			roi = new Roi(region.x(), region.y(), region.width(), region.height());
		} else {
			ij.process.ByteProcessor bp = new ij.process.ByteProcessor(region.width(), region.height());
			for (int i = 0; i < mask.length; i++) if (mask[i]) bp.set(i % region.width(), i / region.width(), 255);
			bp.setThreshold(255, 255, ij.process.ImageProcessor.NO_LUT_UPDATE);
			roi = new ij.plugin.filter.ThresholdToSelection().convert(bp);
			if (roi == null) roi = new Roi(0, 0, region.width(), region.height());
			roi.setLocation(region.x() + roi.getBounds().x, region.y() + roi.getBounds().y);
		}
		roi.setName(region.name());
		return roi;
	}

	/** The regions' maps' title: "title-method-regions". */
	static String title(ImagePlus image, String method) {
		return org.conceptscope.fiji.image.ImageTitles.base(image) + "-" + method + "-regions";
	}

	/** The files {@link #save} writes in save_dir for the maps of this title: {@code <title>.tif}, {@code <title>.csv}. */
	static List<String> files(String title) {
		String base = AttributionOutputs.fileName(title);
		return List.of(base + ".tif", base + ".csv");
	}

	/** Writes {@code <map title>.tif} and {@code <map title>.csv} into a folder (created if missing), each atomically; returns them. */
	public static List<Path> save(Result r, Path dir) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(dir);
			List<String> files = files(r.maps().getTitle());
			Path tiff = dir.resolve(files.get(0)), csv = dir.resolve(files.get(1));
			HeatmapWriter.save(r.maps(), tiff);
			ResultsCsvWriter.write(HEADER, r.rows(), csv);
			return List.of(tiff, csv);
		});
	}
}
