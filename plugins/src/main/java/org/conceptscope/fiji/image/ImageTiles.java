package org.conceptscope.fiji.image;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.process.ImageProcessor;
import ij.process.LUT;

import java.util.Locale;

import org.conceptscope.tensor.TileGrid;

/**
 * The tiles of an image as images of their own, for commands that treat every input as one sample
 * (a concept's examples, a class's images, the inputs a metric scores): one stack holding, for
 * every slice and frame in order, the grid's tiles row by row, each with the image's channels. The
 * tiles keep the image's pixel type, calibration, channel LUTs and display range, so the model
 * reads them as it would read the image; the user's image is only read.
 */
public final class ImageTiles {

	/** Property of a tile stack: its {@link Origin}. */
	private static final String ORIGIN = "ConceptScope.tiles";

	/** The image a tile stack was cut from, and where its tiles lie. */
	public record Origin(ImagePlus image, TileGrid grid) {}

	private ImageTiles() {}

	/** Whether the image is a stack of tiles made by {@link #of} ({@link ImageSet#describe} then names an entry by its slice label). */
	public static boolean isTileStack(ImagePlus imp) {
		return origin(imp) != null;
	}

	/** Where a tile stack was cut from; null for any other image. */
	public static Origin origin(ImagePlus imp) {
		return imp.getProperty(ORIGIN) instanceof Origin o ? o : null;
	}

	/** Where an entry of a tile stack lies: the image's batch entry (slice and frame, from 0) and the tile's top-left corner. */
	public record Place(int entry, int x, int y) {}

	/**
	 * Where batch entry k of an image lies in the image it was cut from: for a tile stack
	 * ({@link #of}) its slice's entry and its tile's corner; for any other image, entry k at (0, 0).
	 */
	public static Place place(ImagePlus imp, int k) {
		Origin o = origin(imp);
		if (o == null) return new Place(k, 0, 0);
		int t = k % o.grid().count();
		return new Place(k / o.grid().count(), o.grid().x(t), o.grid().y(t));
	}

	/**
	 * @param grid tiles inside the image (every tile within its bounds)
	 * @return a stack of {@code grid.count()} entries per slice and frame, slice labels
	 *         "title slice z frame t x=.. y=.." (slice and frame only where the image has several)
	 */
	public static ImagePlus of(ImagePlus imp, TileGrid grid) {
		ImagePlusTensors.check(imp);
		if (grid.height() != imp.getHeight() || grid.width() != imp.getWidth() || grid.padded()) {
			throw new IllegalArgumentException("The grid " + grid + " does not lie inside the image '" + imp.getTitle() + "' ("
				+ imp.getWidth() + "x" + imp.getHeight() + ").");
		}
		BatchIndex batches = ImagePlusTensors.batches(imp);
		int channels = imp.getNChannels(), tw = grid.tileWidth(), th = grid.tileHeight();
		long pixels = (long) tw * th * channels * batches.size() * grid.count();
		ImagePlusTensors.checkMemory("The " + grid.count() * batches.size() + " tiles of '" + imp.getTitle() + "'", pixels,
			imp.getBitDepth() == 24 ? 4 : imp.getBitDepth() / 8);
		ImageStack stack = new ImageStack(tw, th);
		for (int b = 0; b < batches.size(); b++) {
			String where = where(imp, batches, b);
			ImageProcessor[][] tiles = new ImageProcessor[grid.count()][channels];
			for (int c = 1; c <= channels; c++) {
				int index = ImagePlusTensors.stackIndex(imp, c, batches.slice(b), batches.frame(b));
				ImageProcessor ip = imp.getStackSize() == 1 ? imp.getProcessor() : imp.getStack().getProcessor(index);
				ip = ip.duplicate(); // cropping sets a roi: the user's processor keeps its own
				for (int t = 0; t < grid.count(); t++) {
					ip.setRoi(grid.x(t), grid.y(t), tw, th);
					tiles[t][c - 1] = ip.crop();
				}
			}
			for (int t = 0; t < grid.count(); t++) {
				String label = where + String.format(Locale.ROOT, " x=%d y=%d", grid.x(t), grid.y(t));
				for (ImageProcessor tile : tiles[t]) stack.addSlice(label, tile);
			}
		}
		ImagePlus out = new ImagePlus(ImageTitles.base(imp) + "-tiles", stack);
		out.setDimensions(channels, batches.size() * grid.count(), 1);
		out.setCalibration(imp.getCalibration().copy());
		if (imp instanceof CompositeImage ci && channels > 1) {
			CompositeImage co = new CompositeImage(out, ci.getMode());
			for (int c = 1; c <= channels; c++) {
				LUT lut = ci.getChannelLut(c);
				co.setChannelLut(lut, c);
				co.setC(c);
				co.setDisplayRange(lut.min, lut.max);
			}
			co.setC(1);
			out = co;
		} else {
			out.getProcessor().setColorModel(imp.getProcessor().getColorModel());
			if (imp.getBitDepth() != 24) out.setDisplayRange(imp.getDisplayRangeMin(), imp.getDisplayRangeMax());
		}
		out.setProperty(ORIGIN, new Origin(imp, grid));
		return out;
	}

	/** "title", with "slice z" and "frame t" where the image has several: batch entry b's name in labels. */
	public static String where(ImagePlus imp, BatchIndex batches, int b) {
		StringBuilder s = new StringBuilder(imp.getTitle());
		if (batches.slices() > 1) s.append(" slice ").append(batches.slice(b));
		if (batches.frames() > 1) s.append(" frame ").append(batches.frame(b));
		return s.toString();
	}
}
