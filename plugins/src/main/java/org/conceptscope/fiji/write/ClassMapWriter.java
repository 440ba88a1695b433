package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.BatchIndex;
import org.conceptscope.fiji.image.Explanation;
import org.conceptscope.fiji.image.SliceLabels;
import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.plugin.LutLoader;
import ij.process.FloatProcessor;
import ij.process.LUT;

import java.awt.Color;
import java.awt.image.IndexColorModel;

import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.tensor.FloatTensor;

/**
 * The class map of an image explained tile by tile: one channel per class holding the model's
 * probability for that class, each tile's probabilities blended with the tiles' smooth window
 * (so the map has the image's size and no seams), and a last channel, the label image, holding
 * the index of the most probable class at each pixel. Slices and frames are those of the image;
 * channels are named by their slice labels ("p(DAB-positive)", "class").
 */
public final class ClassMapWriter {

	private ClassMapWriter() {}

	/**
	 * Refuses, before the tiles run, an image whose class map (k + 1 float planes per slice at the
	 * image's size: a 1000-class model's is a thousand times the map) the heap cannot hold.
	 */
	public static void checkMemory(ImagePlus image, int classes) {
		long values = (long) image.getWidth() * image.getHeight() * (classes + 1L) * org.conceptscope.fiji.image.ImagePlusTensors.batches(image).size();
		org.conceptscope.fiji.image.ImagePlusTensors.checkMemory("The class map of '" + image.getTitle() + "' (" + (classes + 1)
			+ " planes per slice: a probability per class and the label image)", values, 4);
	}

	/**
	 * The class map's title, "title-model-classes" (its TIFF's name in save_dir): it depends on the image and the
	 * model, not the method, so one folder keeps a class map per model while several methods explain the image.
	 */
	public static String title(ImagePlus imp, String model) {
		return org.conceptscope.fiji.image.ImageTitles.base(imp) + "-" + model + "-classes";
	}

	/** The class map, or null when the explanation was not tiled. */
	public static ImagePlus build(Explanation e) {
		Explanation.Tiles tiles = e.tiles();
		if (tiles == null) return null;
		ImagePlus imp = e.image();
		int w = imp.getWidth(), h = imp.getHeight(), k = e.classNames().size(), perImage = tiles.grid().count();
		BatchIndex batches = e.batches();
		ImageStack stack = new ImageStack(w, h);
		for (int b = 0; b < batches.size(); b++) {
			FloatTensor probs = tiles.probabilities().range(b, b + 1).reshape(perImage, k);
			float[][] planes = TiledExplainer.blendTileValues(tiles.grid(), probs);
			float[] label = new float[w * h];
			for (int i = 0; i < label.length; i++) {
				int best = 0;
				for (int j = 1; j < k; j++) if (planes[j][i] > planes[best][i]) best = j;
				label[i] = best;
			}
			String slice = SliceLabels.shortLabel(imp, batches, b); // as every map image names its slice
			for (int j = 0; j < k; j++) stack.addSlice(SliceLabels.mapLabel(slice, "p(" + e.className(j) + ")"), new FloatProcessor(w, h, planes[j]));
			stack.addSlice(SliceLabels.mapLabel(slice, "class"), new FloatProcessor(w, h, label));
		}
		ImagePlus out = new ImagePlus(title(imp, e.model()), stack);
		out.setDimensions(k + 1, batches.slices(), batches.frames());
		out.setOpenAsHyperStack(true);
		CompositeImage ci = new CompositeImage(out, ij.IJ.COLOR); // one channel at a time: probabilities of different classes do not mix
		for (int j = 0; j < k; j++) ci.setChannelLut(HeatmapWriter.withRange(LUT.createLutFromColor(Color.WHITE), 0, 1), j + 1);
		IndexColorModel spectrum = LutLoader.getLut("spectrum");
		LUT labels = spectrum == null ? LUT.createLutFromColor(Color.WHITE) : new LUT(spectrum, 0, 255);
		ci.setChannelLut(HeatmapWriter.withRange(labels, 0, Math.max(1, k - 1)), k + 1);
		ci.setCalibration(HeatmapWriter.spatialCalibration(imp));
		StringBuilder info = new StringBuilder("ConceptScope class map\nmodel=").append(e.model()).append('\n');
		info.append(HeatmapWriter.tilesLine(tiles.grid().describe()));
		for (int j = 0; j < k; j++) info.append("channel ").append(j + 1).append("=probability of ").append(e.className(j)).append('\n');
		info.append("channel ").append(k + 1).append("=most probable class (0=").append(e.className(0)).append(", ...)\n");
		ci.setProperty("Info", info.toString());
		return ci;
	}
}
