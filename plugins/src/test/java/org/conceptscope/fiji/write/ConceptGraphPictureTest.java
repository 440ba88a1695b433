package org.conceptscope.fiji.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.process.ColorProcessor;

import java.awt.Font;
import java.util.ArrayList;
import java.util.List;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.mechanistic.ConceptGraphLayout;
import org.conceptscope.mechanistic.GeneralizedIntegratedGradients.Edge;
import org.junit.jupiter.api.Test;

/**
 * The concept graph's picture on the names real models have (Keras layers such as
 * {@code model/resnet50/conv5_block3_out/Relu}, long class names): every column title and class name
 * is drawn inside the picture, shortened to its last path parts when wider than a column; the
 * overlay keeps the whole names.
 */
class ConceptGraphPictureTest {

	static final String LOWER = "model/resnet50/conv5_block2_out/Relu", UPPER = "model/resnet50/conv5_block3_out/Relu",
		CLASS = "adenocarcinoma, well differentiated (grade 1 of 3)";

	private static ConceptBank bank(String layer, int k) {
		ConceptBank b = new ConceptBank();
		b.layer = layer;
		b.className = CLASS;
		b.classIndex = 0;
		b.concepts = new double[k][] ;
		for (int q = 0; q < k; q++) b.concepts[q] = new double[] { q + 1, 1 };
		return b;
	}

	/**
	 * The first column's title is centred 60 pixels from the left edge and the class's name 60 from the
	 * right: names wider than 120 pixels began outside the picture (cut there). Nothing is drawn in the
	 * outermost two pixel columns now, and the drawn titles end as the names do.
	 */
	@Test
	void longLayerAndClassNamesStayInsideThePicture() {
		List<ConceptBank> banks = List.of(bank(LOWER, 2), bank(UPPER, 2));
		List<Edge> edges = new ArrayList<>();
		for (int j = 0; j < 2; j++) {
			for (int q = 0; q < 2; q++) edges.add(new Edge(LOWER, q, UPPER, j, 1 + q - j));
			edges.add(new Edge(LOWER, Edge.RESIDUAL, UPPER, j, 0.1));
		}
		for (int q = 0; q < 2; q++) edges.add(Edge.toClass(UPPER, q, CLASS, 2 - q));
		edges.add(Edge.toClass(UPPER, Edge.RESIDUAL, CLASS, 0.2));
		ImagePlus imp = ConceptGraphPicture.draw(ConceptGraphLayout.of(banks, edges), "g");
		assertNothingOnTheEdges(imp);
		// one layer and the class: a picture of two columns, 340 pixels wide, narrower than the legend
		assertNothingOnTheEdges(ConceptGraphPicture.draw(ConceptGraphLayout.of(List.of(bank(UPPER, 2)), edges.subList(6, 9)), "one"));
		List<String> names = new ArrayList<>();
		for (Roi r : imp.getOverlay().toArray()) names.add(r.getName());
		assertTrue(names.contains(RoiWriter.join(UPPER, "concept 1")), names.toString());
		assertTrue(names.contains(RoiWriter.join("class", CLASS)), names.toString());
	}

	private static void assertNothingOnTheEdges(ImagePlus imp) {
		ColorProcessor ip = (ColorProcessor) imp.getProcessor();
		int w = ip.getWidth();
		for (int y = 0; y < ip.getHeight(); y++) {
			for (int x : new int[] { 0, 1, w - 2, w - 1 }) {
				assertEquals(0xffffff, ip.getPixel(x, y) & 0xffffff, imp.getTitle() + ": pixel (" + x + ", " + y + ") of " + w
					+ " is drawn on: a name or the legend runs off the picture");
			}
		}
	}

	@Test
	void aNameWiderThanAColumnKeepsItsLastPathParts() {
		ColorProcessor ip = new ColorProcessor(10, 10);
		ip.setFont(new Font("SansSerif", Font.BOLD, 11));
		assertEquals("conv2/relu", ConceptGraphPicture.fitted(ip, "conv2/relu", ConceptGraphPicture.LABEL_WIDTH), "a short name is kept");
		String t = ConceptGraphPicture.fitted(ip, UPPER, 120);
		assertTrue(t.startsWith("...") && UPPER.endsWith(t.substring(3)) && t.endsWith("/Relu"), t);
		assertTrue(t.substring(3).startsWith("/"), "cut at a path separator: " + t);
		assertTrue(ip.getStringWidth(t) <= 120, t + " is " + ip.getStringWidth(t) + " pixels");
		String c = ConceptGraphPicture.fitted(ip, CLASS, 120);
		assertTrue(c.startsWith("...") && CLASS.endsWith(c.substring(3)) && ip.getStringWidth(c) <= 120, c);
	}
}
