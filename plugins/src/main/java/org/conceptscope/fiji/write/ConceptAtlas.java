package org.conceptscope.fiji.write;

import org.conceptscope.fiji.image.ImageSet;
import ij.ImagePlus;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.conceptscope.concepts.ConceptBank;

/**
 * The concept atlas: one row per concept, its example crops (the crops that express it most, cut
 * from the input images at the position CRAFT found them; square, as CRAFT's patches are, on inputs
 * of any aspect) side by side, enlarged to at least 48 pixels ({@link PrototypeMontage}), under a label with the concept's number and importance. An RGB
 * image with one rectangle per example in its overlay, named
 * {@code concept k|example j|<image> slice z|x=..,y=..}.
 */
public final class ConceptAtlas {

	private ConceptAtlas() {}

	public static ImagePlus build(ConceptBank bank, ImageSet images, String title) {
		List<PrototypeMontage.Row> rows = new ArrayList<>();
		for (int c = 0; c < bank.size(); c++) {
			List<PrototypeMontage.Crop> crops = new ArrayList<>();
			for (ConceptBank.Example e : c < bank.examples.size() ? bank.examples.get(c) : List.<ConceptBank.Example>of()) {
				crops.add(PrototypeMontage.Crop.square(e.image(), e.x(), e.y(), e.size(), e.coefficient()));
			}
			rows.add(new PrototypeMontage.Row("concept " + (c + 1), label(bank, c), crops));
		}
		return PrototypeMontage.build(rows, images, title, info(bank), "coefficient", 160);
	}

	static String label(ConceptBank bank, int c) {
		String imp = bank.importance == null || c >= bank.importance.length ? "" : String.format(Locale.ROOT, "  importance %.3f",
			bank.importance[c]);
		return "concept " + (c + 1) + imp;
	}

	private static String info(ConceptBank bank) {
		StringBuilder s = new StringBuilder("ConceptScope concept atlas\n");
		s.append("model=").append(bank.model).append("\nlayer=").append(bank.layer).append("\nclass=").append(bank.className)
			.append("\npatch=").append(bank.patch).append(" stride=").append(bank.stride).append(" concepts=").append(bank.size())
			.append('\n');
		for (int c = 0; c < bank.size(); c++) s.append(label(bank, c)).append('\n');
		return s.toString();
	}
}
