package org.conceptscope.fiji.run;

import ij.IJ;
import ij.ImagePlus;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.ImageTiles;
import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.model.Classifier;
import org.conceptscope.tensor.TileGrid;

/**
 * Images of another size than the model's input, for the commands that do not blend maps from
 * tiles (Attribution and Concept Localization explain whole images tile by tile): those that treat
 * every input as one sample take an image's tiles as samples ({@link #samples}); those whose method
 * reads one input at a time and cannot be blended refuse it ({@link #require}).
 */
public final class ModelSizeInputs {

	private ModelSizeInputs() {}

	/**
	 * @param why why the method needs one model-size input
	 * @param instead what to use for the whole image
	 * @throws IllegalArgumentException when the image is not the model's input size
	 */
	public static void require(ImagePlus image, Classifier classifier, String why, String instead) {
		if (!TiledExplainer.needsTiles(classifier, image.getHeight(), image.getWidth())) return;
		String size = classifier.inputWidth(image.getWidth()) + "x" + classifier.inputHeight(image.getHeight());
		throw new IllegalArgumentException("One input of the model's size (" + inputSize(classifier) + ") is read at a time (" + why
			+ "), and the image '" + image.getTitle() + "' is " + image.getWidth() + "x" + image.getHeight() + ": " + instead
			+ ", or crop a " + size + " region (rectangle selection, Image > Duplicate...).");
	}

	/**
	 * The images as samples of the model's input size: an image larger than the input is cut into
	 * tiles of the input's size (edge to edge; where the size is not a multiple of the input's, the
	 * tiles are spread evenly and neighbours overlap by what that needs), each tile one sample, and
	 * the Log says so once; an image of the input's size is kept as it is. An 8-bit image with a
	 * colour palette given to an RGB model is read as its colours ({@link Models#paletteAsRgb}). Every
	 * image's channels and size are checked before any is cut. The domain of a tiled image is checked
	 * on the image when the tiles meet the model ({@link Models#warnDomain}), not tile by tile.
	 *
	 * @param command the command, for the Log
	 * @throws IllegalArgumentException for an image of other channels than the model's, or smaller than
	 *         its input along an axis
	 */
	public static ImageSet samples(ImageSet images, Classifier classifier, CommandSpec command) {
		return samples(images, classifier, command, IJ::log);
	}

	/**
	 * {@link #samples(ImageSet, Classifier, CommandSpec)} with the tiling line given to {@code log}
	 * (null: none) instead of the Log: a cluster's tasks, which read the same files pass after pass, drop it and
	 * the driver says it once.
	 */
	public static ImageSet samples(ImageSet images, Classifier classifier, CommandSpec command, Consumer<String> log) {
		List<ImagePlus> given = new ArrayList<>();
		List<TileGrid> grids = new ArrayList<>();
		for (ImagePlus imp : images.images()) {
			ImagePlus read = readable(imp, classifier, images.folder());
			given.add(read);
			grids.add(grid(read, classifier));
		}
		if (grids.stream().allMatch(g -> g == null) && given.equals(images.images())) return images;
		List<ImagePlus> out = new ArrayList<>();
		int first = -1, tiled = 0, tiles = 0;
		for (int i = 0; i < given.size(); i++) {
			TileGrid g = grids.get(i);
			if (g == null) {
				out.add(given.get(i));
				continue;
			}
			if (first < 0) first = i;
			tiled++;
			tiles += g.count() * ImagePlusTensors.batches(given.get(i)).size();
			out.add(ImageTiles.of(given.get(i), g));
		}
		if (first >= 0 && log != null) {
			String more = tiled == 1 ? "" : "; so are the tiles of " + (tiled - 1) + " more image(s) larger than the input (" + tiles
				+ " tiles in all)";
			log.accept(logLine(command, given.get(first), grids.get(first), classifier) + more + ".");
		}
		return new ImageSet(out);
	}

	/** One image as samples of the model's input size (itself, or its tiles): see {@link #samples(ImageSet, Classifier, CommandSpec)}. */
	public static ImagePlus samples(ImagePlus image, Classifier classifier, CommandSpec command) {
		return samples(new ImageSet(List.of(image)), classifier, command).images().get(0);
	}

	/** The image as the model reads it (a palette as its colours), refused in one sentence when its channels are not the model's. */
	private static ImagePlus readable(ImagePlus image, Classifier classifier, java.nio.file.Path folder) {
		ImagePlusTensors.check(image);
		ImagePlus read = Models.paletteAsRgb(image, classifier);
		Models.checkChannels(read, classifier, folder);
		return read;
	}

	/** The grid of tiles of the input's size; null for an image of the input's size. */
	private static TileGrid grid(ImagePlus image, Classifier classifier) {
		if (!TiledExplainer.needsTiles(classifier, image.getHeight(), image.getWidth())) return null;
		TileGrid grid = TiledExplainer.grid(classifier, image.getHeight(), image.getWidth(), 0);
		if (grid.padded()) {
			throw new IllegalArgumentException("Images must be at least the model's input size (" + grid.tileWidth() + "x"
				+ grid.tileHeight() + "), and '" + image.getTitle() + "' is " + image.getWidth() + "x" + image.getHeight() + ": scale it up"
				+ " (Image > Scale...) or enlarge its canvas (Image > Adjust > Canvas Size...).");
		}
		return grid;
	}


	private static String logLine(CommandSpec command, ImagePlus image, TileGrid grid, Classifier classifier) {
		String tile = grid.tileWidth() + "x" + grid.tileHeight();
		int entries = ImagePlusTensors.batches(image).size();
		boolean exact = grid.cols() * grid.tileWidth() == grid.width() && grid.rows() * grid.tileHeight() == grid.height();
		return "ConceptScope " + command.title() + ": '" + image.getTitle() + "' (" + image.getWidth() + "x" + image.getHeight()
			+ ") is larger than the model's input (" + inputSize(classifier) + "): its " + grid.cols() + "x" + grid.rows() + " tiles of " + tile
			+ (exact ? " without overlap" : ", spread evenly from edge to edge (its size is not a multiple of the input's, so neighbours"
				+ " overlap),") + (entries > 1 ? " on each of its " + entries + " slices" : "") + " are taken as " + grid.count() * entries
			+ " images (labelled by their position, x=.. y=..)";
	}

	/**
	 * The model's input size in words: 32x32; for a model that takes any width, "8 pixels high, any
	 * width"; for one that takes some sizes only (a bioimage.io package's min + k·step), its rule.
	 */
	static String inputSize(Classifier classifier) {
		String h = classifier.inputHeights(), w = classifier.inputWidths();
		if (isNumber(h) && isNumber(w)) return w + "x" + h;
		return axis(h, "high", "height") + ", " + axis(w, "wide", "width");
	}

	private static String axis(String sizes, String adjective, String noun) {
		if (isNumber(sizes)) return sizes + " pixels " + adjective;
		return "any".equals(sizes) ? "any " + noun : "a " + noun + " of " + sizes;
	}

	private static boolean isNumber(String s) {
		return s.chars().allMatch(Character::isDigit) && !s.isEmpty();
	}
}
