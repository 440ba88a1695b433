package org.conceptscope.fiji;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.IJ;
import ij.ImagePlus;
import ij.ImageStack;
import ij.io.FileSaver;
import ij.measure.Calibration;
import ij.process.FloatProcessor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.fiji.batch.Batch;
import org.conceptscope.fiji.write.TiffStackWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The map stacks the runners write keep the pixel size of the image they explain, as the
 * Attribution command's maps do: the writer's TIFF reads back in ImageJ with the calibration of a
 * TIFF ImageJ saved itself, and the batch map of a real CT slice (pydicom's CT_small.dcm) measures
 * in its millimetres (it was in pixels).
 */
class MapCalibrationTest {

	@TempDir
	Path work;

	@Test
	void theWritersCalibrationReadsBackAsImageJsOwn() throws IOException {
		double[][] sizes = { { 0.661, 0.661, 1 }, { 0.25, 0.3, 2.5 }, { 1200, 800, 1 } };
		String[] units = { "mm", "\u00B5m", "nm" };
		for (int k = 0; k < sizes.length; k++) {
			Calibration cal = new Calibration();
			cal.pixelWidth = sizes[k][0];
			cal.pixelHeight = sizes[k][1];
			cal.pixelDepth = sizes[k][2];
			cal.setUnit(units[k]);
			ImageStack stack = new ImageStack(3, 2);
			float[][] planes = { { 0, 1, 2, 3, 4, 5 }, { -1, -2, -3, -4, -5, -6 } };
			for (float[] p : planes) stack.addSlice(new FloatProcessor(3, 2, p.clone()));
			ImagePlus own = new ImagePlus("own", stack);
			own.setCalibration(cal);
			Path ownFile = work.resolve("own-" + k + ".tif"), ours = work.resolve("ours-" + k + ".tif");
			assertTrue(new FileSaver(own).saveAsTiffStack(ownFile.toString()));
			try (TiffStackWriter w = new TiffStackWriter(ours, 3, 2, 2, 1, cal)) {
				for (float[] p : planes) w.write(p);
				w.commit();
			}
			Calibration want = IJ.openImage(ownFile.toString()).getCalibration();
			ImagePlus read = IJ.openImage(ours.toString());
			Calibration got = read.getCalibration();
			assertEquals(want.pixelWidth, got.pixelWidth, 1e-9 * want.pixelWidth, units[k]);
			assertEquals(want.pixelHeight, got.pixelHeight, 1e-9 * want.pixelHeight, units[k]);
			assertEquals(want.pixelDepth, got.pixelDepth, 1e-12, units[k]);
			assertEquals(want.getUnit(), got.getUnit(), units[k]);
			for (int z = 0; z < planes.length; z++) assertArrayEquals(planes[z], (float[]) read.getStack().getPixels(z + 1), "plane " + z);
		}
	}

	/** A movie's frame interval and time unit read back as from a TIFF ImageJ saved itself, with or without a pixel size. */
	@Test
	void theWritersFrameIntervalReadsBackAsImageJsOwn() throws IOException {
		for (boolean scaled : new boolean[] { true, false }) {
			for (String unit : List.of("min", "sec")) {
				Calibration cal = new Calibration();
				if (scaled) {
					cal.pixelWidth = cal.pixelHeight = 0.5;
					cal.setUnit("\u00B5m");
				}
				cal.frameInterval = 2.5;
				cal.setTimeUnit(unit);
				ImageStack stack = new ImageStack(3, 2);
				for (int t = 0; t < 3; t++) stack.addSlice(new FloatProcessor(3, 2, new float[] { t, 1, 2, 3, 4, 5 }));
				ImagePlus own = new ImagePlus("own", stack);
				own.setDimensions(1, 1, 3);
				own.setCalibration(cal);
				String name = (scaled ? "scaled-" : "plain-") + unit;
				Path ownFile = work.resolve("own-" + name + ".tif"), ours = work.resolve("ours-" + name + ".tif");
				assertTrue(new FileSaver(own).saveAsTiffStack(ownFile.toString()));
				try (TiffStackWriter w = new TiffStackWriter(ours, 3, 2, 1, 3, cal)) {
					for (int t = 0; t < 3; t++) w.write((float[]) stack.getPixels(t + 1));
					w.commit();
				}
				Calibration want = IJ.openImage(ownFile.toString()).getCalibration(), got = IJ.openImage(ours.toString()).getCalibration();
				assertEquals(2.5, want.frameInterval, name + ": ImageJ's own file keeps it");
				assertEquals(want.frameInterval, got.frameInterval, 1e-12, name);
				assertEquals(want.getTimeUnit(), got.getTimeUnit(), name);
				assertEquals(want.getUnit(), got.getUnit(), name);
			}
		}
	}

	/**
	 * 40-letter escaped pixel and time units leave no room for the interval in the description's 512
	 * bytes (with the longest min and max a double prints): the pixel size is kept, the interval left out;
	 * with a short time unit both are kept.
	 */
	@Test
	void longEscapedUnitsKeepThePixelSizeAndLeaveTheIntervalOut() throws IOException {
		for (String timeUnit : List.of("\u00B5".repeat(40), "\u00B5s")) {
			Calibration cal = new Calibration();
			cal.pixelWidth = cal.pixelHeight = 0.123456789012345;
			cal.setUnit("\u00B5".repeat(40));
			cal.frameInterval = 1.23456789012345e-7;
			cal.setTimeUnit(timeUnit);
			Path ours = work.resolve("long-unit-" + timeUnit.length() + ".tif");
			try (TiffStackWriter w = new TiffStackWriter(ours, 3, 2, 1, 2, cal)) {
				w.write(new float[] { -Float.MIN_NORMAL, 0, 0, 0, 0, 0 });
				w.write(new float[] { -Float.MIN_NORMAL / 3, 0, 0, 0, 0, 0 });
				w.commit();
			}
			Calibration got = IJ.openImage(ours.toString()).getCalibration();
			assertEquals("\u00B5".repeat(40), got.getUnit(), "time unit of " + timeUnit.length());
			assertEquals(cal.pixelWidth, got.pixelWidth, 1e-6, "a resolution rational, as ImageJ writes it");
			if (timeUnit.length() == 40) {
				assertEquals(0, got.frameInterval, "no room for the interval");
			} else {
				assertEquals(cal.frameInterval, got.frameInterval, 1e-20);
				assertEquals(timeUnit, got.getTimeUnit());
			}
		}
	}

	@Test
	void aBatchMapOfACtSliceMeasuresInItsMillimetres() {
		Path dicom = TestFiles.testImages().resolve("images/CT_small.dcm"), out = work.resolve("out");
		Calibration want = IJ.openImage(dicom.toString()).getCalibration();
		assertTrue(want.scaled() && want.pixelWidth != 1, "the fixture has a pixel size: " + want);
		ByteArrayOutputStream log = new ByteArrayOutputStream();
		PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8);
		assertEquals(0, Batch.run(new String[] { "input=" + dicom, "model=" + TestFiles.testImages().resolve("models/ct-tissue"),
			"save_dir=" + out, "method=saliency" }, err, err, null), log.toString(StandardCharsets.UTF_8));
		Calibration got = IJ.openImage(out.resolve("CT_small-saliency-map.tif").toString()).getCalibration();
		assertEquals(want.pixelWidth, got.pixelWidth, 1e-6 * want.pixelWidth);
		assertEquals(want.pixelHeight, got.pixelHeight, 1e-6 * want.pixelHeight);
		assertEquals(want.getUnit(), got.getUnit());
		assertEquals(5, want.pixelDepth, "the fixture's slice thickness");
		assertEquals(want.pixelDepth, got.pixelDepth, 1e-9, "the voxel depth of the one slice, as the Attribution command keeps it");
	}

	/** One slice keeps its voxel depth and the origin (ImageJ's own saver leaves a single image's depth out). */
	@Test
	void oneSliceKeepsItsVoxelDepthAndOrigin() throws IOException {
		Calibration cal = new Calibration();
		cal.pixelWidth = cal.pixelHeight = 0.661468;
		cal.pixelDepth = 5;
		cal.setUnit("mm");
		cal.xOrigin = 12.5;
		cal.yOrigin = -3;
		cal.zOrigin = 7;
		Path ours = work.resolve("one-slice.tif");
		try (TiffStackWriter w = new TiffStackWriter(ours, 3, 2, 1, 1, cal)) {
			w.write(new float[] { 0, 1, 2, 3, 4, 5 });
			w.commit();
		}
		Calibration got = IJ.openImage(ours.toString()).getCalibration();
		assertEquals(5, got.pixelDepth, 1e-12);
		assertEquals(12.5, got.xOrigin, 1e-12);
		assertEquals(-3, got.yOrigin, 1e-12);
		assertEquals(7, got.zOrigin, 1e-12);
		assertEquals("mm", got.getUnit());
	}
}
