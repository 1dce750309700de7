/** A few inline icons (24×24, stroke), so no icon library is loaded. */
type IconProps = { className?: string };
const common = {
  fill: "none",
  viewBox: "0 0 24 24",
  stroke: "currentColor",
  strokeWidth: 1.75,
  strokeLinecap: "round" as const,
  strokeLinejoin: "round" as const,
  "aria-hidden": true,
};

export const ChipIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <rect x="6" y="6" width="12" height="12" rx="2" />
    <path d="M9 2v4M15 2v4M9 18v4M15 18v4M2 9h4M2 15h4M18 9h4M18 15h4" />
  </svg>
);
export const AlertIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <path d="M12 9v4M12 17h.01" />
    <path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0Z" />
  </svg>
);
export const InboxIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <path d="M22 12h-6l-2 3h-4l-2-3H2" />
    <path d="M5.5 5.1 2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.5-6.9A2 2 0 0 0 16.8 4H7.2a2 2 0 0 0-1.7 1.1Z" />
  </svg>
);
export const WalletIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <path d="M19 7V5a2 2 0 0 0-2-2H5a2 2 0 0 0 0 4h14a2 2 0 0 1 2 2v3h-4a2 2 0 0 0 0 4h4v3a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5" />
  </svg>
);
export const LockIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <rect x="4" y="11" width="16" height="10" rx="2" />
    <path d="M8 11V7a4 4 0 0 1 8 0v4" />
  </svg>
);
export const CheckIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <path d="M20 6 9 17l-5-5" />
  </svg>
);
export const XIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <path d="M18 6 6 18M6 6l12 12" />
  </svg>
);
export const ArrowLeftIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <path d="M19 12H5M12 19l-7-7 7-7" />
  </svg>
);
export const ExternalIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <path d="M15 3h6v6M10 14 21 3M18 13v6a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h6" />
  </svg>
);
export const FilterIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <path d="M3 5h18M6 12h12M10 19h4" />
  </svg>
);
export const CopyIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <rect x="9" y="9" width="12" height="12" rx="2" />
    <path d="M5 15H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v1" />
  </svg>
);
export const PlusIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <path d="M12 5v14M5 12h14" />
  </svg>
);
export const PencilIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <path d="M17 3a2.8 2.8 0 0 1 4 4L7.5 20.5 2 22l1.5-5.5Z" />
  </svg>
);
export const SearchIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <circle cx="11" cy="11" r="7" />
    <path d="m21 21-4.3-4.3" />
  </svg>
);
export const ShieldIcon = ({ className }: IconProps) => (
  <svg {...common} className={className}>
    <path d="M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10Z" />
  </svg>
);
