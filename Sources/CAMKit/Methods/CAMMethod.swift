/// How a class's map is computed from the final feature maps F (K×h×w). Every method here runs
/// on camkit's forward-only engine: gradients at F come from the head alone (a GAP → linear head
/// gives them in closed form, a small non-linear head through `HeadProgram`).
public enum CAMMethod: String, CaseIterable, Sendable, Codable {
    /// Zhou et al., CVPR 2016, "Learning Deep Features for Discriminative Localization".
    case cam
    /// Selvaraju et al., ICCV 2017, "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization".
    case gradcam
    /// Chattopadhay et al., WACV 2018, "Grad-CAM++: Improved Visual Explanations for Deep Convolutional Networks".
    case gradcampp
    /// Fu et al., BMVC 2020, "Axiom-based Grad-CAM: Towards Accurate Visualization and Explanation of CNNs".
    case xgradcam
    /// Draelos & Carin, 2020, "Use HiResCAM instead of Grad-CAM for faithful explanations of convolutional neural networks".
    case hirescam
    /// Muhammad & Yeasin, IJCNN 2020, "Eigen-CAM: Class Activation Map using Principal Components".
    case eigencam
    /// Wang et al., CVPR-W 2020, "Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural Networks".
    case scorecam
    /// Desai & Ramaswamy, WACV 2020, "Ablation-CAM: Visual Explanations for Deep Convolutional Network via Gradient-free Localization".
    case ablationcam
}
