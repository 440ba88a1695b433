package org.conceptscope.heads;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.train.TrainingOptions;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.Test;

/**
 * A wide layer with a known answer: c = 256 channels, three classes carried by channels 0, 1 and 2
 * (a peak at a random position), every channel with noise. Trained at the default learning rate
 * (0.01), each class's top part must stay along its own channel. With the skew part's entries
 * trained as they are (Adam moves each by about the learning rate a step), a part turned by about
 * 2 lr sqrt(c) radians a step, 0.32 at c = 256: after 40 steps class 0's top part had |cos| 0.46
 * with channel 0, the rest a mix of noise channels. |cos| >= 0.8 asks for a part within 37 degrees
 * of its channel.
 */
class InfoDisentWideTest {

	static FloatTensor features(int n, int c, int[] labels, long seed) {
		Random r = new Random(seed);
		FloatTensor f = FloatTensor.zeros(n, 2, 2, c);
		for (int i = 0; i < n; i++) {
			int k = i % 3;
			labels[i] = k;
			for (int j = 0; j < 4 * c; j++) f.data()[i * 4 * c + j] = (float) (0.1 * r.nextGaussian());
			f.set(1f, i, r.nextInt(2), r.nextInt(2), k);
		}
		return f;
	}

	@Test
	void eachClassKeepsItsChannelOnAWideLayer() {
		int c = 256;
		int[] trainY = new int[96], testY = new int[30];
		FloatTensor train = features(96, c, trainY, 1), test = features(30, c, testY, 2);
		InfoDisent head = InfoDisent.train(train, "features", trainY, 3, new TrainingOptions(40, 32, 0.01, 3), Progress.NONE);
		double[][] q = head.projection();
		double[] cos = new double[3];
		for (int k = 0; k < 3; k++) cos[k] = Math.abs(q[k][head.parts(test, k, k).get(0).channel()]);
		System.out.println("InfoDisentWideTest |cos| of each class's top part with its channel: " + java.util.Arrays.toString(cos));
		for (int k = 0; k < 3; k++) {
			int top = head.parts(test, k, k).get(0).channel(); // test image k is of class k
			int strongest = 0;
			for (int r = 1; r < c; r++) if (Math.abs(q[r][top]) > Math.abs(q[strongest][top])) strongest = r;
			assertEquals(k, strongest, "class " + k + ": top part " + top + " is mostly feature channel " + strongest + " (|cos| "
				+ Math.abs(q[strongest][top]) + ")");
			assertTrue(Math.abs(q[k][top]) >= 0.8, "class " + k + ": top part " + top + " has |cos| " + Math.abs(q[k][top]));
		}
		int ok = InfoDisentTest.correct(head.logits(test), testY);
		assertTrue(ok >= 27, "held-out accuracy " + ok + " / 30");
	}
}
