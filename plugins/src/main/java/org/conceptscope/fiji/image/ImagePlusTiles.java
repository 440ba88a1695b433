package org.conceptscope.fiji.image;

import ij.ImagePlus;
import ij.process.ImageProcessor;

import org.conceptscope.tensor.TileSource;

/**
 * An ImageJ image as a {@link TileSource}: windows of one batch entry (slice/frame) read straight
 * from its planes, values as {@link ImagePlusTensors} gives them (calibrated where the image is;
 * R, G, B for RGB). Only the planes of the entry being read are touched (for a virtual stack,
 * loaded), and the user's pixels are only read.
 */
public final class ImagePlusTiles implements TileSource {

	private final ImagePlus imp;
	private final BatchIndex batches;
	private final int channels, perPixel, width, height;
	private final float[] cTable;
	private final double typeMax;
	private int current = -1;
	private Object[] pixels;

	public ImagePlusTiles(ImagePlus imp) {
		ImagePlusTensors.check(imp);
		this.imp = imp;
		this.batches = ImagePlusTensors.batches(imp);
		this.channels = ImagePlusTensors.channels(imp);
		this.perPixel = imp.getBitDepth() == 24 ? 3 : 1;
		this.width = imp.getWidth();
		this.height = imp.getHeight();
		this.cTable = ImagePlusTensors.usesCalibration(imp) ? imp.getCalibration().getCTable() : null;
		this.typeMax = ImagePlusTensors.typeMax(imp);
	}

	@Override
	public int images() {
		return batches.size();
	}

	@Override
	public int height() {
		return height;
	}

	@Override
	public int width() {
		return width;
	}

	@Override
	public int channels() {
		return channels;
	}

	@Override
	public double typeMax() {
		return typeMax;
	}

	@Override
	public void read(int image, int y, int x, int h, int w, float[] hwc) {
		if (image < 0 || image >= batches.size()) throw new IndexOutOfBoundsException("Entry " + image + " outside 0.." + (batches.size() - 1) + ".");
		load(image);
		int imageChannels = imp.getNChannels();
		for (int ic = 0; ic < imageChannels; ic++) {
			Object px = pixels[ic];
			for (int i = 0; i < h; i++) {
				int row = Math.min(height - 1, Math.max(0, y + i)) * width;
				for (int j = 0; j < w; j++) {
					int at = row + Math.min(width - 1, Math.max(0, x + j));
					int out = (i * w + j) * channels + ic * perPixel;
					if (px instanceof byte[] p) hwc[out] = cTable != null ? cTable[p[at] & 0xff] : p[at] & 0xff;
					else if (px instanceof short[] p) hwc[out] = cTable != null ? cTable[p[at] & 0xffff] : p[at] & 0xffff;
					else if (px instanceof float[] p) hwc[out] = p[at];
					else {
						int v = ((int[]) px)[at];
						hwc[out] = (v >> 16) & 0xff;
						hwc[out + 1] = (v >> 8) & 0xff;
						hwc[out + 2] = v & 0xff;
					}
				}
			}
		}
	}

	/** The pixel arrays of entry b's channels (one entry held at a time). */
	private void load(int b) {
		if (b == current) return;
		int imageChannels = imp.getNChannels();
		Object[] p = new Object[imageChannels];
		for (int c = 0; c < imageChannels; c++) {
			int index = ImagePlusTensors.stackIndex(imp, c + 1, batches.slice(b), batches.frame(b));
			ImageProcessor ip = imp.getStackSize() == 1 ? imp.getProcessor() : imp.getStack().getProcessor(index);
			p[c] = ip.getPixels();
			if (!(p[c] instanceof byte[] || p[c] instanceof short[] || p[c] instanceof float[] || p[c] instanceof int[])) {
				throw new IllegalArgumentException("Image '" + imp.getTitle() + "' has pixels of an unsupported kind.");
			}
		}
		pixels = p;
		current = b;
	}
}
