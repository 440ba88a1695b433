package org.conceptscope.fiji.run;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.measure.ResultsTable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.fiji.write.ClassMapWriter;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.write.HeatOverlay;
import org.conceptscope.fiji.write.MapLuts;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.write.ResultsTables;
import org.conceptscope.fiji.write.RoiWriter;
import org.conceptscope.util.SaveSet;

/**
 * Turns an explanation into what the Attribution command gives back (a new image with the ROIs
 * as overlay, the ROIs, a results table) and writes them to a folder. File names start with the
 * image's title and the method, so one folder can collect the results of many images.
 */
public final class AttributionOutputs {

	private AttributionOutputs() {}

	public static AttributionResult build(Explanation e, AttributionSettings settings) {
		ImagePlus image = settings.mapAsChannel() ? HeatmapWriter.build(e) : HeatmapWriter.buildMapImage(e);
		List<Roi> rois = RoiWriter.rois(e, settings.topFraction(), image);
		Overlay overlay = new Overlay();
		for (Roi roi : rois) overlay.add((Roi) roi.clone());
		image.setOverlay(overlay);
		if (settings.mapAsChannel() && settings.opacity() > 0 && image instanceof CompositeImage ci) {
			// The map over the image, translucent; its channel stays for measurement (the last one), hidden.
			// Blended rather than added, a signed map reads best white at 0 there (MapLuts.forOverlay).
			int n = ci.getNChannels();
			ci.setChannelLut(MapLuts.forOverlay(ci.getChannelLut(n)), n);
			HeatOverlay.apply(ci, e, ci.getNChannels(), settings.opacity());
		}
		if (settings.calibrationBar()) addCalibrationBar(image);
		// The options that replay this run, kept with the image (they survive save and reopen).
		image.setProperty("Info", image.getProperty("Info") + "options=" + settings.toMacroOptions() + "\n");
		ResultsTable table = ResultsTables.of(e);
		return new AttributionResult(e, image, rois, table, List.of(), ClassMapWriter.build(e));
	}

	/**
	 * Adds the key of the map's colours to the image's overlay: the map channel's LUT (the last channel)
	 * of a composite, else the map image's LUT over its display range (a whole-image map, the regions' maps).
	 */
	public static void addCalibrationBar(ImagePlus image) {
		ij.process.LUT lut = image instanceof CompositeImage ci ? ci.getChannelLut(ci.getNChannels()) : image.getProcessor().getLut();
		if (!(image instanceof CompositeImage)) lut = HeatmapWriter.withRange(lut, image.getDisplayRangeMin(), image.getDisplayRangeMax());
		HeatOverlay.addCalibrationBar(image, lut);
	}

	/** Writes the image as TIFF, the ROIs as RoiSet.zip and the table as CSV; creates the folder. */
	public static AttributionResult save(AttributionResult r, Path dir) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(dir);
			List<String> files = files(r.explanation().image(), r.image().getTitle(), r.explanation().method());
			Path tiff = dir.resolve(files.get(0)), rois = dir.resolve(files.get(1)), csv = dir.resolve(files.get(2));
			HeatmapWriter.save(r.image(), tiff);
			RoiWriter.save(r.rois(), rois);
			ResultsCsvWriter.write(r.explanation(), csv);
			List<Path> written = new ArrayList<>(List.of(tiff, rois, csv));
			if (r.classMap() != null) {
				Path classes = dir.resolve(tiffName(r.classMap().getTitle()));
				HeatmapWriter.save(r.classMap(), classes);
				written.add(classes);
			}
			return new AttributionResult(r.explanation(), r.image(), r.rois(), r.table(), written, r.classMap());
		});
	}

	/** The TIFF in save_dir of an image of this title. */
	public static String tiffName(String title) {
		return fileName(title) + ".tif";
	}

	/** What {@link #save} writes in save_dir for the map image of this title: its TIFF, its RoiSet.zip, the results table. */
	static List<String> files(ImagePlus image, String mapTitle, String method) {
		String tiff = tiffName(mapTitle);
		return List.of(tiff, roiSetName(tiff), resultBase(image, method) + "-results.csv");
	}

	/**
	 * The files of an earlier run that a run of these settings ({@code method}: the method's name) on this image would
	 * replace in save_dir, known before the model loads: the map image's TIFF, its RoiSet.zip and the table (one for
	 * output=channel and output=image), or with ROIs the regions' maps and table. Not the
	 * class map ({@code <title>-<model>-classes.tif} of a tiled image): named after the image and the model, it holds
	 * the model's probabilities, not the method's map, so explaining one image with several methods into one folder
	 * rewrites it with the same content, and another model writes its own.
	 */
	public static List<String> earlierFiles(ImagePlus image, AttributionSettings s, String method) {
		if (org.conceptscope.fiji.image.RegionTargets.any(s.rois())) return RegionExplanations.files(RegionExplanations.title(image, method));
		return files(image, HeatmapWriter.title(image, method, s.mapAsChannel()), method);
	}

	/**
	 * The RoiSet.zip beside a map TIFF, named after it: its ROIs carry that TIFF's positions (a channel
	 * composite's c,z,t differ from a maps-only image's), so output=channel and output=image into one
	 * folder keep a RoiSet each that fits its own TIFF.
	 */
	public static Path roiSetOf(Path tiff) {
		return tiff.resolveSibling(roiSetName(tiff.getFileName().toString()));
	}

	/** The name of the RoiSet.zip beside a map TIFF of this name. */
	public static String roiSetName(String tiff) {
		return tiff.substring(0, tiff.length() - ".tif".length()) + "-RoiSet.zip";
	}

	/** "title-method" of the explained image, safe as a file name. */
	public static String baseName(Explanation e) {
		return resultBase(e.image(), e.method());
	}

	/** "title-what": the start of the names of an image's result files (its title without extension), safe as a file name. */
	public static String resultBase(ImagePlus image, String what) {
		return fileName(org.conceptscope.fiji.image.ImageTitles.base(image) + "-" + what);
	}

	/**
	 * The model's name in the results' metadata and in the class map's name: the folder of a SavedModel or package
	 * (also when the path is its saved_model.pb or rdf.yaml, names every model has), else the file's name without
	 * its extension (model.zip, net.onnx, net.pt).
	 */
	public static String modelName(Path model) {
		Path path = model.toAbsolutePath().normalize(), name = path.getFileName();
		if (name == null) return path.toString();
		String n = name.toString();
		boolean generic = java.util.Set.of("saved_model.pb", "rdf.yaml", "bioimageio.yaml").contains(n.toLowerCase(java.util.Locale.ROOT));
		if (generic && path.getParent() != null && path.getParent().getFileName() != null) return path.getParent().getFileName().toString();
		if (java.nio.file.Files.isDirectory(path)) return n;
		int dot = n.lastIndexOf('.');
		return dot > 0 ? n.substring(0, dot) : n;
	}

	/** Replaces characters that are not allowed in file names on common systems. */
	public static String fileName(String name) {
		return name.replaceAll("[\\\\/:*?\"<>|\\p{Cntrl}]", "_");
	}

	/**
	 * Names made file names, where two would be one (also on a file system that ignores case: "a/b" and "a_b",
	 * "Tumour" and "tumour") each with {@code -<tag>} appended, so no output replaces another of the same run.
	 */
	public static List<String> distinctFileNames(List<String> names, List<String> tags) {
		List<String> files = names.stream().map(AttributionOutputs::fileName).toList();
		java.util.function.Function<String, String> key = n -> n.toLowerCase(java.util.Locale.ROOT);
		java.util.Map<String, Long> seen = files.stream().collect(java.util.stream.Collectors.groupingBy(key, java.util.stream.Collectors.counting()));
		// names that stay as they are, then each suffixed one: a suffixed name may be another's own ("a", "a" and "a-2")
		java.util.Set<String> taken = new java.util.HashSet<>();
		for (String n : files) if (seen.get(key.apply(n)) == 1) taken.add(key.apply(n));
		List<String> out = new ArrayList<>();
		for (int i = 0; i < files.size(); i++) {
			String n = files.get(i);
			if (seen.get(key.apply(n)) == 1) {
				out.add(n);
				continue;
			}
			String name = n + "-" + tags.get(i);
			while (!taken.add(key.apply(name))) name = name + "-" + tags.get(i);
			out.add(name);
		}
		return out;
	}
}
