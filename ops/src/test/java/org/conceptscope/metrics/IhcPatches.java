package org.conceptscope.metrics;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.conceptscope.model.BundledModels;
import org.conceptscope.tensor.FloatTensor;

/**
 * Real held-out inputs for the ihc-stain model: 32x32 patches of test-images/images/ihc.png
 * from its right quarter (x >= 384, never seen in training), divided by 255 as the model's
 * unit_range normalisation does for 8-bit images. Test code only (ops/ itself never uses AWT).
 */
public final class IhcPatches {

	private IhcPatches() {}

	/** Patches on a grid: x = 384, 416, 448, 480 and y = 0, 64, ... (rows filled first), n of them. */
	public static FloatTensor load(int n) {
		Path png = BundledModels.dir("ihc-stain").getParent().getParent().resolve("images/ihc.png");
		BufferedImage img;
		try {
			img = ImageIO.read(png.toFile());
		} catch (IOException e) {
			throw new UncheckedIOException("Cannot read " + png, e);
		}
		if (img == null) throw new IllegalStateException(png + " is not an image ImageIO can read.");
		FloatTensor t = FloatTensor.zeros(n, 32, 32, 3);
		for (int i = 0; i < n; i++) {
			int x0 = 384 + 32 * (i % 4), y0 = 64 * (i / 4) % (img.getHeight() - 31);
			for (int y = 0; y < 32; y++) {
				for (int x = 0; x < 32; x++) {
					int rgb = img.getRGB(x0 + x, y0 + y);
					for (int c = 0; c < 3; c++) t.set(((rgb >> (16 - 8 * c)) & 0xff) / 255f, i, y, x, c);
				}
			}
		}
		return t;
	}
}
