package org.conceptscope.fiji.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.CompositeImage;
import ij.ImagePlus;
import ij.ImageStack;
import ij.measure.Calibration;
import ij.process.ColorProcessor;
import ij.process.ShortProcessor;
import ij.process.LUT;

import java.awt.Color;
import java.util.List;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.Normalization;
import org.conceptscope.tensor.TileGrid;
import org.junit.jupiter.api.Test;

/**
 * Tiles cut from a two-channel 16-bit composite with two slices and three frames (values that
 * name their channel, slice, frame and pixel), and from an RGB image whose size is not a multiple
 * of the tile: each tile holds exactly the image's pixels at its place, in the grid's order, with
 * the image's channels, LUTs, display ranges and calibration; the image is not changed.
 */
class ImageTilesTest {

	private static final int W = 70, H = 40, C = 2, Z = 2, T = 3;

	private static int value(int c, int z, int t, int x, int y) {
		return c * 20000 + z * 10000 + t * 3000 + y * W + x;
	}

	private static CompositeImage hyperstack() {
		ImageStack stack = new ImageStack(W, H);
		for (int t = 0; t < T; t++) for (int z = 0; z < Z; z++) for (int c = 0; c < C; c++) {
			ShortProcessor ip = new ShortProcessor(W, H);
			for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) ip.set(x, y, value(c, z, t, x, y));
			stack.addSlice("c" + c + "z" + z + "t" + t, ip);
		}
		ImagePlus imp = new ImagePlus("cells.tif", stack);
		imp.setDimensions(C, Z, T);
		CompositeImage ci = new CompositeImage(imp, CompositeImage.COMPOSITE);
		ci.setChannelLut(LUT.createLutFromColor(Color.MAGENTA), 1);
		ci.setChannelLut(LUT.createLutFromColor(Color.CYAN), 2);
		ci.setC(1);
		ci.setDisplayRange(100, 5000);
		ci.setC(2);
		ci.setDisplayRange(20000, 60000);
		ci.setC(1);
		Calibration cal = ci.getCalibration();
		cal.pixelWidth = 0.25;
		cal.pixelHeight = 0.5;
		cal.setUnit("µm");
		return ci;
	}

	@Test
	void eachTileHoldsTheImagesPixelsAtItsPlaceWithTheImagesChannels() {
		CompositeImage imp = hyperstack();
		short[] before = ((short[]) imp.getStack().getPixels(5)).clone();
		TileGrid grid = TileGrid.of(H, W, 32, 32, 0);
		assertArrayEquals(new int[] { 0, 19, 38 }, grid.xs(), "spread evenly from edge to edge");
		assertArrayEquals(new int[] { 0, 8 }, grid.ys());
		ImagePlus tiles = ImageTiles.of(imp, grid);

		assertTrue(tiles instanceof CompositeImage);
		assertEquals(C, tiles.getNChannels());
		assertEquals(Z * T * grid.count(), tiles.getNSlices());
		assertEquals(1, tiles.getNFrames());
		assertEquals(32, tiles.getWidth());
		ImageSet set = new ImageSet(List.of(tiles));
		assertEquals(Z * T * grid.count(), set.size());
		for (int t = 0; t < T; t++) for (int z = 0; z < Z; z++) for (int k = 0; k < grid.count(); k++) {
			int entry = (t * Z + z) * grid.count() + k;
			assertEquals("cells.tif slice " + (z + 1) + " frame " + (t + 1) + " x=" + grid.x(k) + " y=" + grid.y(k), set.describe(entry));
			assertEquals(new ImageTiles.Place(t * Z + z, grid.x(k), grid.y(k)), ImageTiles.place(tiles, entry));
			assertEquals(t * Z + z, set.sources()[entry], "the tiles of a slice share its source");
			for (int c = 0; c < C; c++) {
				short[] px = (short[]) tiles.getStack().getPixels(ImagePlusTensors.stackIndex(tiles, c + 1, entry + 1, 1));
				for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) {
					assertEquals(value(c, z, t, grid.x(k) + x, grid.y(k) + y), px[y * 32 + x] & 0xffff);
				}
			}
		}
		CompositeImage ct = (CompositeImage) tiles;
		assertEquals(Color.MAGENTA.getRGB(), new Color(ct.getChannelLut(1).getRGB(255)).getRGB());
		assertEquals(Color.CYAN.getRGB(), new Color(ct.getChannelLut(2).getRGB(255)).getRGB());
		assertEquals(100, ct.getChannelLut(1).min, 1e-9);
		assertEquals(60000, ct.getChannelLut(2).max, 1e-9);
		assertEquals(0.25, tiles.getCalibration().pixelWidth, 1e-12);
		assertEquals(0.5, tiles.getCalibration().pixelHeight, 1e-12);
		assertEquals("µm", tiles.getCalibration().getUnit());
		assertTrue(ImageTiles.isTileStack(tiles));
		assertFalse(ImageTiles.isTileStack(imp));
		assertEquals(new ImageTiles.Place(3, 0, 0), ImageTiles.place(imp, 3), "an image's own entry, at its corner");

		assertArrayEquals(before, (short[]) imp.getStack().getPixels(5), "the image is only read");
		assertNull(imp.getRoi());
		assertEquals(W, imp.getWidth());
	}

	@Test
	void theModelReadsATileAsItReadsThatWindowOfTheImage() {
		ColorProcessor rgb = new ColorProcessor(50, 45);
		for (int y = 0; y < 45; y++) for (int x = 0; x < 50; x++) rgb.set(x, y, (x * 5 << 16) | (y * 5 << 8) | (x + y));
		ImagePlus imp = new ImagePlus("rgb.png", rgb);
		TileGrid grid = TileGrid.of(45, 50, 16, 16, 0);
		ImagePlus tiles = ImageTiles.of(imp, grid);
		assertEquals(24, tiles.getBitDepth());
		assertEquals("rgb.png x=" + grid.x(grid.count() - 1) + " y=" + grid.y(grid.count() - 1),
			new ImageSet(List.of(tiles)).describe(grid.count() - 1));
		FloatTensor read = new ImageSet(List.of(tiles)).toTensor(new Normalization.UnitRange());
		ImagePlusTiles source = new ImagePlusTiles(imp);
		float[] window = new float[16 * 16 * 3];
		for (int k = 0; k < grid.count(); k++) {
			source.read(0, grid.y(k), grid.x(k), 16, 16, window);
			for (int i = 0; i < window.length; i++) assertEquals(window[i] / 255f, read.data()[k * window.length + i], 1e-7f);
		}
	}

	/**
	 * A normalisation that takes statistics takes them over the slice the tiles were cut from, as a
	 * tiled run does: each tile's values equal that window of the whole normalised slice, where
	 * normalising each tile alone would stretch a dim tile to full contrast.
	 */
	@Test
	void statisticsAreTakenOverTheWholeSliceNotTileByTile() {
		ImageStack stack = new ImageStack(W, H);
		for (int z = 0; z < 2; z++) {
			ShortProcessor ip = new ShortProcessor(W, H);
			for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) ip.set(x, y, 100 + 7 * x * (z + 1) + (x > 40 ? 3000 : 0) + y % 5);
			stack.addSlice(ip);
		}
		ImagePlus plain = new ImagePlus("plain.tif", stack);
		ImagePlus calibrated = new ImagePlus("calibrated.tif", stack.duplicate());
		calibrated.getCalibration().setFunction(Calibration.STRAIGHT_LINE, new double[] { -1000, 0.5 }, "HU");
		TileGrid grid = TileGrid.of(H, W, 32, 32, 0);
		List<Object[]> cases = List.of(new Object[] { plain, new Normalization.ZeroMeanUnitVariance() },
			new Object[] { plain, new Normalization.Percentile(1, 99.8) }, new Object[] { calibrated, new Normalization.UnitRange() });
		for (Object[] c : cases) {
			ImagePlus imp = (ImagePlus) c[0];
			Normalization norm = (Normalization) c[1];
			float[] whole = ImagePlusTensors.toTensor(imp, norm).tensor().data();
			FloatTensor tiles = ImagePlusTensors.toTensor(ImageTiles.of(imp, grid), norm).tensor();
			assertEquals(2 * grid.count(), tiles.dim(0));
			float[] t = tiles.data();
			for (int z = 0; z < 2; z++) for (int k = 0; k < grid.count(); k++) for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) {
				float expected = whole[(z * H + grid.y(k) + y) * W + grid.x(k) + x];
				assertEquals(expected, t[((z * grid.count() + k) * 32 + y) * 32 + x], 1e-5f * (1 + Math.abs(expected)),
					imp.getTitle() + " " + norm.describe() + " slice " + z + " tile " + k + " (" + x + ", " + y + ")");
			}
		}
	}

	@Test
	void aGridOutsideTheImageIsRefused() {
		ImagePlus imp = new ImagePlus("small", new ShortProcessor(20, 20));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageTiles.of(imp, TileGrid.of(20, 20, 32, 32, 0)));
		assertTrue(e.getMessage().contains("does not lie inside the image 'small' (20x20)"), e.getMessage());
	}
}
