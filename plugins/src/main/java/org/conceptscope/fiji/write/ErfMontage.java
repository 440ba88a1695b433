package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.ImageSet;
import ij.ImagePlus;
import ij.gui.Overlay;
import ij.gui.Roi;
import ij.process.ByteProcessor;
import ij.process.ColorProcessor;
import ij.process.ImageProcessor;

import java.awt.Color;
import java.util.List;
import java.util.Locale;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.mechanistic.ConceptGraph;
import org.conceptscope.mechanistic.ReceptiveField;

/**
 * The ERF montage of one layer's PFV concepts: one row per concept, labelled with its number and
 * its relevance for the class; one panel per strongest PFV: the crop of the input image under the
 * PFV's theoretical receptive field (outside the image: dark grey), each pixel's brightness
 * weighted by the ERF (|relevance| / the panel's largest, from 25 % to 100 %), enlarged by pixel
 * replication to at least {@value PrototypeMontage#MIN_PANEL} pixels. The overlay has, per panel, the
 * panel's rectangle {@code concept k|example j|<image> slice z|cell=gx,gy}, the ERF's support
 * {@code ...|erf} (the pixels holding erf_mass of its relevance) and the PFV's own layer cell
 * {@code ...|cell}.
 */
public final class ErfMontage {

	static final Color OUTSIDE = new Color(48, 48, 48);
	static final double FLOOR = 0.25;

	private ErfMontage() {}

	public static ImagePlus build(ConceptBank bank, List<List<ConceptGraph.ExampleErf>> erfs, ImageSet images, String title) {
		int k = bank.size(), columns = 1, fw = 1, fh = 1;
		for (List<ConceptGraph.ExampleErf> row : erfs) {
			columns = Math.max(columns, row.size());
			for (ConceptGraph.ExampleErf e : row) {
				fw = Math.max(fw, e.field().width());
				fh = Math.max(fh, e.field().height());
			}
		}
		int scale = Math.max(1, (int) Math.ceil(PrototypeMontage.MIN_PANEL / (double) Math.max(fw, fh)));
		int pw = fw * scale, ph = fh * scale, gap = PrototypeMontage.GAP, label = PrototypeMontage.LABEL;
		int width = Math.max(columns * (pw + gap) + gap, 200), rowHeight = label + ph + gap;
		ColorProcessor montage = PrototypeMontage.canvas(width, k * rowHeight + gap);
		Overlay overlay = new Overlay();
		for (int c = 0; c < k; c++) {
			int top = c * rowHeight + gap;
			montage.setColor(Color.WHITE);
			montage.drawString(label(bank, c), gap, top + label - 1);
			List<ConceptGraph.ExampleErf> row = c < erfs.size() ? erfs.get(c) : List.of();
			for (int j = 0; j < row.size(); j++) {
				ConceptGraph.ExampleErf e = row.get(j);
				int x = gap + j * (pw + gap), y = top + label;
				ReceptiveField.Rect f = e.field();
				int iw = images.imageOf(e.example().image()).getWidth();
				ImageProcessor panel = weightedCrop(images.plane(e.example().image()), e, iw);
				panel.setInterpolationMethod(ImageProcessor.NONE);
				montage.insert(panel.resize(f.width() * scale, f.height() * scale), x, y);
				String name = RoiWriter.join("concept " + (c + 1), "example " + (j + 1), images.describe(e.example().image()), "cell="
					+ e.gridX() + "," + e.gridY());
				Roi frame = new Roi(x, y, f.width() * scale, f.height() * scale);
				frame.setName(name);
				frame.setStrokeColor(Color.YELLOW);
				frame.setProperty("coefficient", Numbers.property(e.example().coefficient()));
				overlay.add(frame);
				Roi support = supportRoi(e, iw, scale, x, y);
				if (support != null) {
					support.setName(name + RoiWriter.SEPARATOR + "erf");
					support.setStrokeColor(Color.CYAN);
					overlay.add(support);
				}
				ConceptBank.Example ex = e.example();
				Roi cell = new Roi(x + (ex.x() - f.x()) * scale, y + (ex.y() - f.y()) * scale, ex.size() * scale, ex.size() * scale);
				cell.setName(name + RoiWriter.SEPARATOR + "cell");
				cell.setStrokeColor(Color.MAGENTA);
				overlay.add(cell);
			}
		}
		ImagePlus imp = new ImagePlus(title, montage);
		imp.setOverlay(overlay);
		StringBuilder info = new StringBuilder("ConceptScope ERF montage\nmodel=").append(bank.model).append("\nlayer=").append(bank.layer)
			.append("\nclass=").append(bank.className).append("\nconcepts=").append(k).append('\n');
		for (int c = 0; c < k; c++) info.append(label(bank, c)).append('\n');
		imp.setProperty("Info", info.toString());
		return imp;
	}

	static String label(ConceptBank bank, int c) {
		String r = bank.importance == null || c >= bank.importance.length ? "" : String.format(Locale.ROOT, "  relevance %.4g", bank.importance[c]);
		return "concept " + (c + 1) + r;
	}

	/** The crop under the field as RGB, brightness weighted by |ERF|; pixels outside the image dark grey. */
	static ColorProcessor weightedCrop(ImageProcessor plane, ConceptGraph.ExampleErf e, int imageWidth) {
		ReceptiveField.Rect f = e.field();
		ColorProcessor rgb = (ColorProcessor) (plane instanceof ColorProcessor ? plane : plane.convertToRGB());
		int ih = rgb.getHeight();
		double max = 0;
		for (int y = Math.max(0, f.y()); y < Math.min(ih, f.y() + f.height()); y++) {
			for (int x = Math.max(0, f.x()); x < Math.min(imageWidth, f.x() + f.width()); x++) max = Math.max(max, Math.abs(e.erf()[y * imageWidth + x]));
		}
		ColorProcessor out = new ColorProcessor(f.width(), f.height());
		for (int y = 0; y < f.height(); y++) for (int x = 0; x < f.width(); x++) {
			int sx = f.x() + x, sy = f.y() + y;
			if (sx < 0 || sy < 0 || sx >= imageWidth || sy >= ih) {
				out.set(x, y, OUTSIDE.getRGB() & 0xffffff);
				continue;
			}
			double w = FLOOR + (1 - FLOOR) * (max > 0 ? Math.abs(e.erf()[sy * imageWidth + sx]) / max : 0);
			int v = rgb.get(sx, sy);
			int r = (int) Math.round(((v >> 16) & 0xff) * w), g = (int) Math.round(((v >> 8) & 0xff) * w), b = (int) Math.round((v & 0xff) * w);
			out.set(x, y, (r << 16) | (g << 8) | b);
		}
		return out;
	}

	/** The ERF's support inside the panel, in montage coordinates; null when empty. */
	static Roi supportRoi(ConceptGraph.ExampleErf e, int imageWidth, int scale, int px, int py) {
		ReceptiveField.Rect f = e.field();
		byte[] m = new byte[f.width() * scale * f.height() * scale];
		boolean any = false;
		for (int p = 0; p < e.support().length; p++) {
			if (!e.support()[p]) continue;
			int x = p % imageWidth - f.x(), y = p / imageWidth - f.y();
			if (x < 0 || y < 0 || x >= f.width() || y >= f.height()) continue; // never: the support lies in the field
			any = true;
			for (int dy = 0; dy < scale; dy++) for (int dx = 0; dx < scale; dx++) m[(y * scale + dy) * f.width() * scale + x * scale + dx] = (byte) 255;
		}
		if (!any) return null;
		Roi roi = RoiWriter.toRoi(new ByteProcessor(f.width() * scale, f.height() * scale, m));
		java.awt.Rectangle b = roi.getBounds();
		roi.setLocation(px + b.x, py + b.y);
		return roi;
	}
}
